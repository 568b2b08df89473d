// EFI load options and device paths (src/efi/load_option.cpp).
#include "../fuzz.hpp"
#include "bootsmith/efi/load_option.hpp"

namespace bootsmith::fuzz {

void device_path(Input in) {
    efi::ByteView path(in.data(), in.size());
    std::string why = efi::check_device_path(path);
    if (why.empty()) {
        efi::DevicePathInfo info = efi::describe_device_path(path);
        if (info.hard_drive) (void)info.hard_drive->format_name();
    }
    // The loose reader formats any path whose nodes are well-formed, End node or not.
    (void)efi::format_path(path);
}

void load_option(Input in) {
    efi::ByteView data(in.data(), in.size());
    efi::ParsedOption p = efi::parse_load_option(data);
    check(p.option.has_value() != !p.error.empty(), "parse_load_option: exactly one of option and error");
    if (p.option) {
        const efi::LoadOption& o = *p.option;
        check(efi::check_device_path(o.path).empty(), "a parsed option has a valid device path");
        (void)efi::describe_device_path(o.path);
        (void)efi::optional_data_text(o.optional_data);
        (void)efi::efibootmgr_data_text(o.optional_data);
        // What libefiboot builds from the parsed fields parses back to the same fields.
        if (efi::check_description(o.description).empty()) {
            efi::Bytes again = o.serialize();
            efi::ParsedOption q = efi::parse_load_option(again);
            check(q.option.has_value(), "a serialized option parses");
            check(q.option->attributes == o.attributes && q.option->description == o.description &&
                      q.option->path == o.path && q.option->optional_data == o.optional_data,
                  "serialize/parse round trip");
        }
    }
    (void)efi::read_description(data);
    (void)efi::read_description_to_end(data);
    if (auto path = efi::read_path(data)) (void)efi::format_path(*path);
    std::string text(as_text(in));
    if (efi::check_description(text).empty()) (void)efi::to_ucs2(text);
}

} // namespace bootsmith::fuzz
