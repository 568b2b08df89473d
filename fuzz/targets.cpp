#include "fuzz.hpp"

namespace bootsmith::fuzz {

const std::vector<Target>& targets() {
    static const std::vector<Target> all = {
        {"load_option", load_option},
        {"device_path", device_path},
        {"grubenv", grubenv},
        {"default_grub", default_grub},
        {"grub_cfg", grub_cfg},
        {"grubby_cfg", grubby_cfg},
        {"bls", bls},
        {"mbr", mbr},
        {"disk", disk},
        {"fat", fat},
    };
    return all;
}

} // namespace bootsmith::fuzz
