#include "bootsmith/grub/default_grub.hpp"

namespace bootsmith::grub {} // namespace bootsmith::grub
