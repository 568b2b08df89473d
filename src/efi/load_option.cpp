#include "bootsmith/efi/load_option.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/sys/varstore.hpp"
#include "bootsmith/text.hpp"

#include "efivar_c.hpp"

#include <cstdio>
#include <cstring>

namespace bootsmith::efi {

namespace {

std::uint16_t le16(ByteView d, std::size_t at) {
    return static_cast<std::uint16_t>(d[at] | (d[at + 1] << 8));
}

std::uint32_t le32(ByteView d, std::size_t at) {
    return static_cast<std::uint32_t>(d[at]) | static_cast<std::uint32_t>(d[at + 1]) << 8 |
           static_cast<std::uint32_t>(d[at + 2]) << 16 | static_cast<std::uint32_t>(d[at + 3]) << 24;
}

std::uint64_t le64(ByteView d, std::size_t at) {
    return static_cast<std::uint64_t>(le32(d, at)) | static_cast<std::uint64_t>(le32(d, at + 4)) << 32;
}

constexpr std::uint8_t kMediaType = 0x04, kHardDrive = 0x01, kFilePath = 0x04;
constexpr std::uint8_t kEndType = 0x7f, kEndEntire = 0xff;

/// A UCS-2 code unit that belongs in text: no controls, no surrogates, no noncharacters.
bool printable_unit(std::uint16_t u) {
    if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0)) return false;
    if (u >= 0xd800 && u <= 0xdfff) return false;
    return u != 0xfffe && u != 0xffff;
}

void check(ssize_t rc, const char* what) {
    if (rc < 0) throw Error(Exit::software, std::string("libefivar: ") + what + " failed: " + std::strerror(errno));
}

bool has_nul(ByteView node, std::size_t from) {
    for (std::size_t i = from; i < node.size(); ++i)
        if (node[i] == 0) return true;
    return false;
}

/// True when libefivar 37's formatter for this node stays inside it. Its formatters read
/// each node as its C struct (and strings with strlen), trusting the length field: a 4-byte
/// HD() node makes it read 38 bytes past the node, a 4-byte File() node crashes it. The
/// minimum sizes are the UEFI spec's (§10.3), checked by a guard-page test
/// (tests/unit/efi_test.cpp, DevicePath.FormatterNeverReadsPastANode).
bool formatter_safe(ByteView node) {
    const std::uint8_t type = node[0], sub = node[1];
    const std::size_t len = node.size();
    auto at_least = [&](std::size_t n) { return len >= n; };
    switch (type) {
    case 0x01: // hardware
        switch (sub) {
        case 0x01: return at_least(6);
        case 0x02: return at_least(5);
        case 0x03: return at_least(24);
        case 0x04: return at_least(20);
        case 0x05: return at_least(8);
        case 0x06: return at_least(13);
        default: return true; // printed as hex
        }
    case 0x02: // ACPI
        switch (sub) {
        case 0x01: return at_least(12);
        case 0x02: { // _HID, _UID, _CID, then three NUL-terminated strings
            if (!at_least(19)) return false;
            std::size_t nuls = 0;
            for (std::size_t i = 16; i < len; ++i)
                nuls += node[i] == 0;
            return nuls >= 3 && node[len - 1] == 0;
        }
        case 0x03: return at_least(8);
        default: return true;
        }
    case 0x03: // messaging
        switch (sub) {
        case 0x01: return at_least(8);
        case 0x02: return at_least(8);
        case 0x03: return at_least(24);
        case 0x04: return at_least(16);
        case 0x05: return at_least(6);
        case 0x06: return at_least(8);
        case 0x09: return at_least(48);
        case 0x0a: { // vendor; two GUIDs carry a structure of their own
            if (!at_least(20)) return false;
            static const std::uint8_t uart[16] = {0x9d, 0x9a, 0x49, 0x37, 0x2f, 0x54, 0x89, 0x4c,
                                                  0xa0, 0x26, 0x35, 0xda, 0x14, 0x20, 0x94, 0xe4};
            static const std::uint8_t sas[16] = {0xb4, 0xdd, 0x87, 0xd4, 0x8b, 0x00, 0xd9, 0x11,
                                                 0xaf, 0xdc, 0x00, 0x10, 0x83, 0xff, 0xca, 0x4d};
            if (std::memcmp(&node[4], uart, 16) == 0) return at_least(24);
            if (std::memcmp(&node[4], sas, 16) == 0) return at_least(44);
            return true;
        }
        case 0x0b: return at_least(37);
        case 0x0c: return at_least(27);
        case 0x0d: return at_least(43); // UEFI 2.0 nodes; 2.3+ nodes are 60
        case 0x0e: return at_least(19);
        case 0x0f: return at_least(11);
        case 0x10: return at_least(12) && len % 2 == 0; // libefivar needs a serial number here
        case 0x11: return at_least(5);
        case 0x12: return at_least(10);
        case 0x13: return at_least(18);
        case 0x14: return at_least(6);
        case 0x15: return at_least(24);
        case 0x16: return at_least(44); // libefivar 37 reads 44 bytes (the spec says 32)
        case 0x17: return at_least(16);
        case 0x18: return at_least(4);
        case 0x19: return at_least(6);
        case 0x1a: return at_least(5);
        case 0x1b: return at_least(10);
        case 0x1c: return at_least(36);
        case 0x1d: return at_least(5);
        case 0x1e: return at_least(11);
        case 0x1f: return at_least(5) && (len - 5) % 16 == 0 && len > 5;
        case 0x20: return at_least(20);
        default: return true;
        }
    case 0x04: // media
        switch (sub) {
        case 0x01: return at_least(42);
        case 0x02: return at_least(24);
        case 0x03: return at_least(20);
        case 0x04: return at_least(6) && len % 2 == 0;
        case 0x05: return at_least(20);
        case 0x06: return at_least(20);
        case 0x07: return at_least(20);
        case 0x08: return at_least(24);
        case 0x09: return at_least(38);
        default: return true;
        }
    case 0x05: // BIOS boot specification: device type, status, NUL-terminated description
        return sub != 0x01 || (at_least(9) && has_nul(node, 8));
    default: return true;
    }
}

} // namespace

std::string HardDrive::format_name() const {
    if (format == 2) return "GPT";
    if (format == 1) return "MBR";
    return std::to_string(format);
}

std::string check_device_path(ByteView path) {
    std::size_t off = 0;
    for (;;) {
        char buf[160];
        if (off + 4 > path.size()) {
            std::snprintf(buf, sizeof buf, "node at offset %zu is truncated (%zu bytes left)", off, path.size() - off);
            return buf;
        }
        std::uint8_t type = path[off], sub = path[off + 1];
        std::size_t len = le16(path, off + 2);
        if (len < 4) {
            std::snprintf(buf, sizeof buf, "node at offset %zu has length %zu (at least 4 needed)", off, len);
            return buf;
        }
        if (off + len > path.size()) {
            std::snprintf(buf, sizeof buf, "node at offset %zu (length %zu) runs past the end of the %zu-byte path",
                          off, len, path.size());
            return buf;
        }
        if (!formatter_safe(path.subspan(off, len))) {
            std::snprintf(buf, sizeof buf, "node %02x/%02x at offset %zu is too short for its type (%zu bytes)", type,
                          sub, off, len);
            return buf;
        }
        if (type == kEndType && sub == kEndEntire) {
            if (off + len != path.size()) {
                std::snprintf(buf, sizeof buf, "%zu bytes after the End node", path.size() - off - len);
                return buf;
            }
            return {};
        }
        off += len;
        if (off == path.size()) return "no End node";
    }
}

namespace {

/// Offset just past the description's NUL, or 0 when there is none.
std::size_t description_end(ByteView data) {
    if (data.size() < 6) return 0;
    for (std::size_t i = 6; i + 1 < data.size(); i += 2)
        if (le16(data, i) == 0) return i + 2;
    return 0;
}

/// libefiboot's UCS-2 → UTF-8 conversion, so that descriptions read exactly as efibootmgr
/// prints them. Its result lives in a static buffer: copied at once.
std::string libefiboot_description(ByteView data, std::size_t desc_end) {
    std::vector<std::uint8_t> copy(data.begin(), data.end());
    const unsigned char* desc =
        efi_loadopt_desc(reinterpret_cast<efi_load_option*>(copy.data()), static_cast<ssize_t>((desc_end - 6) / 2));
    return desc != nullptr ? reinterpret_cast<const char*>(desc) : "";
}

/// Every node well-formed for libefivar's formatter and inside the path (an End node is
/// not required: libefivar prints such a path, and so does efibootmgr).
bool well_formed_nodes(ByteView path) {
    for (std::size_t off = 0; off < path.size();) {
        if (off + 4 > path.size()) return false;
        std::size_t len = le16(path, off + 2);
        if (len < 4 || off + len > path.size()) return false;
        if (!formatter_safe(path.subspan(off, len))) return false;
        if (path[off] == kEndType && path[off + 1] == kEndEntire) return true;
        off += len;
    }
    return !path.empty();
}

} // namespace

std::optional<std::string> read_description(ByteView data) {
    std::size_t end = description_end(data);
    if (end == 0) return std::nullopt;
    return libefiboot_description(data, end);
}

std::optional<std::string> read_description_to_end(ByteView data) {
    if (data.size() < 6) return std::nullopt;
    if (auto d = read_description(data)) return d;
    std::vector<std::uint8_t> copy(data.begin(), data.end());
    copy.push_back(0); // the conversion stops at a NUL or at the limit; give it both
    copy.push_back(0);
    const unsigned char* desc =
        efi_loadopt_desc(reinterpret_cast<efi_load_option*>(copy.data()), static_cast<ssize_t>((data.size() - 6) / 2));
    return desc != nullptr ? std::string(reinterpret_cast<const char*>(desc)) : std::string();
}

std::optional<ByteView> read_path(ByteView data) {
    std::size_t end = description_end(data);
    if (end == 0) return std::nullopt;
    std::size_t pathlen = le16(data, 4);
    if (end + pathlen > data.size()) return std::nullopt;
    return data.subspan(end, pathlen);
}

std::optional<std::string> format_path(ByteView path) {
    if (!well_formed_nodes(path)) return std::nullopt;
    auto dp = reinterpret_cast<const_efidp>(path.data());
    auto limit = static_cast<ssize_t>(path.size());
    ssize_t need = efidp_format_device_path(nullptr, 0, dp, limit);
    if (need < 0) return std::nullopt;
    std::string text(static_cast<std::size_t>(need) + 1, '\0');
    if (efidp_format_device_path(text.data(), text.size(), dp, limit) < 0) return std::nullopt;
    text.resize(std::strlen(text.c_str()));
    return text;
}

DevicePathInfo describe_device_path(ByteView path) {
    DevicePathInfo info;
    info.text = format_path(path).value_or("");
    for (std::size_t off = 0; off + 4 <= path.size();) {
        std::uint8_t type = path[off], sub = path[off + 1];
        std::size_t len = le16(path, off + 2);
        if (len < 4 || off + len > path.size() || type == kEndType) break;
        if (type == kMediaType && sub == kHardDrive && len >= 42) {
            HardDrive hd;
            hd.partition = le32(path, off + 4);
            hd.start = le64(path, off + 8);
            hd.size = le64(path, off + 16);
            hd.format = path[off + 40];
            hd.signature_type = path[off + 41];
            if (hd.signature_type == 2) {
                sys::Guid g;
                std::memcpy(g.bytes.data(), &path[off + 24], 16);
                hd.signature = g.str();
            } else if (hd.signature_type == 1) {
                char buf[16];
                std::snprintf(buf, sizeof buf, "0x%08x", le32(path, off + 24));
                hd.signature = buf;
            }
            info.hard_drive = hd;
        } else if (type == kMediaType && sub == kFilePath) {
            std::string file;
            for (std::size_t i = off + 4; i + 1 < off + len; i += 2) {
                std::uint16_t u = le16(path, i);
                if (u == 0) break;
                append_utf8(file, u);
            }
            info.file = file;
        }
        off += len;
    }
    return info;
}

ParsedOption parse_load_option(ByteView data) {
    ParsedOption r;
    char buf[200];
    if (data.size() < 6) {
        std::snprintf(buf, sizeof buf, "%zu bytes, shorter than the 6-byte load option header", data.size());
        r.error = buf;
        return r;
    }
    LoadOption opt;
    opt.attributes = le32(data, 0);
    std::size_t pathlen = le16(data, 4);
    std::size_t desc_end = description_end(data);
    if (desc_end == 0) {
        r.error = "description has no terminating NUL";
        return r;
    }
    if (desc_end + pathlen > data.size()) {
        std::snprintf(buf, sizeof buf, "FilePathListLength %zu runs past the end of the %zu-byte variable", pathlen,
                      data.size());
        r.error = buf;
        return r;
    }
    if (pathlen == 0) {
        r.error = "empty device path (FilePathListLength 0)";
        return r;
    }
    ByteView path = data.subspan(desc_end, pathlen);
    if (std::string why = check_device_path(path); !why.empty()) {
        r.error = "device path: " + why;
        return r;
    }
    opt.description = libefiboot_description(data, desc_end);
    opt.path.assign(path.begin(), path.end());
    opt.optional_data.assign(data.begin() + static_cast<std::ptrdiff_t>(desc_end + pathlen), data.end());
    r.option = std::move(opt);
    return r;
}

Bytes LoadOption::serialize() const {
    // Built here rather than with libefiboot's efi_loadopt_create(): libefiboot 37 encodes
    // 3-byte UTF-8 characters wrongly (日本 became U+1DE5 U+1F2C), and a description must
    // read back exactly as given.
    if (path.size() > 0xffff) throw Error(Exit::usage, "device path longer than 65535 bytes");
    Bytes desc = to_ucs2(description);
    Bytes out;
    out.reserve(6 + desc.size() + 2 + path.size() + optional_data.size());
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::uint8_t>((attributes >> (8 * i)) & 0xff));
    out.push_back(static_cast<std::uint8_t>(path.size() & 0xff));
    out.push_back(static_cast<std::uint8_t>(path.size() >> 8));
    out.insert(out.end(), desc.begin(), desc.end());
    out.push_back(0);
    out.push_back(0);
    out.insert(out.end(), path.begin(), path.end());
    out.insert(out.end(), optional_data.begin(), optional_data.end());
    return out;
}

OptionalDataText optional_data_text(ByteView data) {
    OptionalDataText t;
    if (data.empty()) return t;
    // ASCII first: printable bytes, trailing NULs allowed. (Any even-length ASCII would also
    // pass as UCS-2 made of CJK characters, so the order matters.)
    std::size_t end = data.size();
    while (end > 0 && data[end - 1] == 0)
        --end;
    bool ascii = end > 0;
    for (std::size_t i = 0; i < end && ascii; ++i)
        ascii = data[i] >= 0x20 && data[i] < 0x7f;
    if (ascii) {
        t.text = std::string(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(end));
        t.encoding = "ascii";
        return t;
    }
    if (data.size() % 2 != 0) return t;
    std::size_t units = data.size() / 2;
    bool terminated = le16(data, data.size() - 2) == 0;
    if (terminated) --units;
    if (units == 0) return t;
    std::string text;
    bool latin = true;
    for (std::size_t i = 0; i < units; ++i) {
        std::uint16_t u = le16(data, 2 * i);
        if (!printable_unit(u)) return t;
        latin = latin && u <= 0xff;
        append_utf8(text, u);
    }
    // Random binary often decodes as "printable" CJK; accept it as text only when it is
    // NUL-terminated (the UEFI convention) or stays within Latin-1.
    if (!terminated && !latin) return t;
    t.text = std::move(text);
    t.encoding = "ucs2";
    return t;
}

std::string efibootmgr_data_text(ByteView data) {
    std::string out;
    out.reserve(data.size());
    for (std::uint8_t b : data)
        out += (b >= 0x20 && b <= 0x7f) ? static_cast<char>(b) : '.';
    return out;
}

std::string check_description(const std::string& text) {
    std::u32string cps;
    if (!decode_utf8(text, cps)) return "is not valid UTF-8";
    if (cps.size() > 1024) return "is longer than 1024 characters";
    for (char32_t c : cps) {
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) return "contains a control character";
        if (c > 0xffff) return "contains a character outside UCS-2 (the Basic Multilingual Plane)";
    }
    return {};
}

Bytes to_ucs2(const std::string& utf8) {
    std::u32string cps;
    if (!decode_utf8(utf8, cps)) throw Error(Exit::usage, "text is not valid UTF-8");
    Bytes out;
    for (char32_t c : cps) {
        if (c > 0xffff) throw Error(Exit::usage, "text has a character outside UCS-2");
        out.push_back(static_cast<std::uint8_t>(c & 0xff));
        out.push_back(static_cast<std::uint8_t>(c >> 8));
    }
    return out;
}

Bytes make_hd_file_path(const HardDrive& hd, const std::string& loader) {
    std::uint8_t sig[16] = {};
    if (hd.signature_type == 2) {
        auto g = sys::Guid::parse(hd.signature);
        if (!g) throw Error(Exit::data, "partition signature '" + hd.signature + "' is not a GUID");
        std::memcpy(sig, g->bytes.data(), 16);
    } else if (hd.signature_type == 1) {
        unsigned long v = std::strtoul(hd.signature.c_str(), nullptr, 16);
        for (int i = 0; i < 4; ++i)
            sig[i] = static_cast<std::uint8_t>((v >> (8 * i)) & 0xff);
    }
    std::string file = loader;
    ssize_t hd_size = efidp_make_hd(nullptr, 0, hd.partition, hd.start, hd.size, sig, hd.format, hd.signature_type);
    check(hd_size, "efidp_make_hd");
    ssize_t file_size = efidp_make_file(nullptr, 0, file.data());
    check(file_size, "efidp_make_file");
    // (efidp_make_end_entire is a macro ending in ';': call what it expands to.)
    ssize_t end_size = efidp_make_generic(nullptr, 0, EFIDP_END_TYPE, EFIDP_END_ENTIRE, sizeof(efidp_header));
    check(end_size, "efidp_make_end_entire");
    Bytes out(static_cast<std::size_t>(hd_size + file_size + end_size));
    check(efidp_make_hd(out.data(), hd_size, hd.partition, hd.start, hd.size, sig, hd.format, hd.signature_type),
          "efidp_make_hd");
    check(efidp_make_file(out.data() + hd_size, file_size, file.data()), "efidp_make_file");
    check(efidp_make_generic(out.data() + hd_size + file_size, end_size, EFIDP_END_TYPE, EFIDP_END_ENTIRE,
                             sizeof(efidp_header)),
          "efidp_make_end_entire");
    return out;
}

} // namespace bootsmith::efi
