#include "bootsmith/grub/grubenv.hpp"

namespace bootsmith::grub {} // namespace bootsmith::grub
