#include "bootsmith/grub/grubenv.hpp"

namespace bootsmith::grub {} // to be written
