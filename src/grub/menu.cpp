#include "bootsmith/grub/menu.hpp"

namespace bootsmith::grub {} // namespace bootsmith::grub
