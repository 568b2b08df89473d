#include "bootsmith/grub/menu.hpp"

namespace bootsmith::grub {} // to be written
