#include "bootsmith/grub/default_grub.hpp"

namespace bootsmith::grub {} // to be written
