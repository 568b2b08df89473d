#include "bootsmith/sys/varstore.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include "efivar_c.hpp"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace bootsmith::sys {

namespace {

constexpr long kEfivarfsMagic = 0xde5e81e4; // statfs().f_type of efivarfs (linux/magic.h)
constexpr std::size_t kMaxVariableFile = 1u << 20;

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// 8-4-4-4-12 hex digits, either case.
bool guid_shape(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < 36; ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

efi_guid_t to_efi(const Guid& g) {
    efi_guid_t e;
    static_assert(sizeof(e) == 16);
    std::memcpy(&e, g.bytes.data(), 16);
    return e;
}

} // namespace

const Guid kGlobalGuid = *Guid::parse("8be4df61-93ca-11d2-aa0d-00e098032b8c");

namespace {

/// A handful of GUIDs name almost every variable of a machine; remembering the last few
/// conversions keeps libefivar's sscanf/asprintf out of the per-variable path.
template <typename K, typename V> struct RecentCache {
    static constexpr std::size_t kSize = 16;
    std::array<std::pair<K, V>, kSize> slots {};
    std::size_t used = 0, next = 0;

    const V* find(const K& k) const {
        for (std::size_t i = 0; i < used; ++i)
            if (slots[i].first == k) return &slots[i].second;
        return nullptr;
    }
    void put(K k, V v) {
        slots[next] = {std::move(k), std::move(v)};
        next = (next + 1) % kSize;
        if (used < kSize) ++used;
    }
};

} // namespace

std::optional<Guid> Guid::parse(std::string_view text) {
    static RecentCache<std::string, Guid> cache;
    if (!guid_shape(text)) return std::nullopt;
    std::string s(text);
    if (const Guid* hit = cache.find(s)) return *hit;
    efi_guid_t e;
    if (efi_str_to_guid(s.c_str(), &e) < 0) return std::nullopt;
    Guid g;
    std::memcpy(g.bytes.data(), &e, 16);
    cache.put(std::move(s), g);
    return g;
}

std::string Guid::str() const {
    static RecentCache<Guid, std::string> cache;
    if (const std::string* hit = cache.find(*this)) return *hit;
    efi_guid_t e = to_efi(*this);
    char* s = nullptr;
    if (efi_guid_to_str(&e, &s) < 0 || s == nullptr) throw Error(Exit::software, "cannot format a GUID");
    std::string out(s);
    std::free(s);
    cache.put(*this, out);
    return out;
}

std::optional<VarId> VarId::from_file_name(std::string_view file) {
    // The GUID is always the last 36 characters; names may contain dashes themselves.
    if (file.size() < 38 || file[file.size() - 37] != '-') return std::nullopt;
    auto g = Guid::parse(file.substr(file.size() - 36));
    if (!g) return std::nullopt;
    return VarId {std::string(file.substr(0, file.size() - 37)), *g};
}

std::string Variable::efivarfs_bytes() const {
    std::string out(4 + data.size(), '\0');
    for (int i = 0; i < 4; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<char>((attributes >> (8 * i)) & 0xff);
    std::copy(data.begin(), data.end(), out.begin() + 4);
    return out;
}

std::optional<Variable> Variable::from_efivarfs_bytes(VarId id, std::string_view bytes) {
    if (bytes.size() < 4) return std::nullopt;
    Variable v;
    v.id = std::move(id);
    v.attributes = 0;
    for (int i = 0; i < 4; ++i)
        v.attributes |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]))
                        << (8 * i);
    v.data.assign(bytes.begin() + 4, bytes.end());
    return v;
}

// ---------------------------------------------------------------------------------------
// A directory of efivarfs-format files.

namespace {

class DirectoryStore final : public VarStore {
public:
    DirectoryStore(const Root& root, std::string dir) : root_(root), dir_(std::move(dir)) {}

    std::string_view backend() const override { return "efivarfs-dir"; }
    std::string location() const override { return root_.display(dir_); }
    bool available() const override { return root_.is_dir(dir_); }

    VarListing list() const override {
        VarListing out;
        for (const auto& e : root_.list(dir_)) {
            auto id = VarId::from_file_name(e.name);
            if (!id) {
                if (e.name.size() >= 38) out.skipped.push_back(e.name + ": not a <name>-<guid> variable file name");
                continue; // short names (README, .keep) are harmless, as in libefivar
            }
            if (std::any_of(e.name.end() - 36, e.name.end(), [](char c) { return c >= 'A' && c <= 'F'; })) {
                out.skipped.push_back(e.name + ": GUID is not lowercase (efivarfs names are)");
                continue;
            }
            if (e.type != FileInfo::Type::regular && e.type != FileInfo::Type::symlink) {
                out.skipped.push_back(e.name + ": not a regular file");
                continue;
            }
            out.vars.push_back(std::move(*id));
        }
        std::sort(out.vars.begin(), out.vars.end());
        return out;
    }

    std::optional<Variable> get(const VarId& id) const override {
        std::string path = file(id);
        auto bytes = root_.read(path, kMaxVariableFile);
        if (!bytes) return std::nullopt;
        auto v = Variable::from_efivarfs_bytes(id, *bytes);
        if (!v)
            throw Error(Exit::data, root_.display(path) + ": " + std::to_string(bytes->size()) +
                                        " bytes, shorter than the 4-byte attribute header");
        return v;
    }

    void set(const Variable& v) override {
        std::string path = file(v.id);
        if (on_efivarfs()) {
            // efivarfs has no rename; one write() of header+data is one SetVariable call,
            // which replaces the variable atomically in firmware.
            std::string bytes = v.efivarfs_bytes();
            auto host = root_.resolve(path);
            fault_point("efivar-write", host.native(), root_.display(path));
            int fd = ::open(host.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0) throw errno_error(errno, root_.display(path), "open");
            ssize_t n = ::write(fd, bytes.data(), bytes.size());
            int err = errno;
            ::close(fd);
            if (n != static_cast<ssize_t>(bytes.size()))
                throw errno_error(n < 0 ? err : EIO, root_.display(path), "write EFI variable");
            return;
        }
        root_.replace(path, v.efivarfs_bytes(), WriteOptions {0644});
    }

    void remove(const VarId& id) override { root_.remove(file(id)); }

private:
    std::string file(const VarId& id) const {
        // A variable name becomes a file name: it must not walk the directory tree.
        if (id.name.empty() || id.name.find_first_of(std::string_view("/\0", 2)) != std::string::npos ||
            id.name == "." || id.name == "..")
            throw Error(Exit::data, "EFI variable name \"" + printable(id.name) + "\" cannot be a file name");
        return dir_ + "/" + id.file_name();
    }

    bool on_efivarfs() const {
        struct statfs sf {};
        auto host = root_.resolve(dir_);
        return ::statfs(host.c_str(), &sf) == 0 && static_cast<long>(sf.f_type) == kEfivarfsMagic;
    }

    const Root& root_;
    std::string dir_;
};

// ---------------------------------------------------------------------------------------
// libefivar: the live firmware. Its variable I/O is process-global (the backend and
// EFIVARFS_PATH are fixed when the library loads), so it only ever serves --root /.

class LibefivarStore final : public VarStore {
public:
    std::string_view backend() const override { return "libefivar"; }
    std::string location() const override {
        const char* p = std::getenv("EFIVARFS_PATH");
        return p != nullptr ? std::string(p) : std::string("/sys/firmware/efi/efivars/");
    }
    bool available() const override { return efi_variables_supported() != 0; }

    VarListing list() const override {
        VarListing out;
        efi_guid_t* guid = nullptr;
        char* name = nullptr;
        // The iterator is static state inside libefivar: always run it to the end.
        for (;;) {
            int rc = efi_get_next_variable_name(&guid, &name);
            if (rc == 0) break;
            if (rc < 0) {
                out.skipped.push_back(location() + ": listing stopped: " + std::strerror(errno));
                break;
            }
            VarId id;
            id.name = name;
            std::memcpy(id.guid.bytes.data(), guid, 16);
            out.vars.push_back(std::move(id));
        }
        std::sort(out.vars.begin(), out.vars.end());
        return out;
    }

    std::optional<Variable> get(const VarId& id) const override {
        efi_guid_t g = to_efi(id.guid);
        std::uint8_t* data = nullptr;
        std::size_t size = 0;
        std::uint32_t attrs = 0;
        if (efi_get_variable(g, id.name.c_str(), &data, &size, &attrs) < 0) {
            int err = errno;
            efi_error_clear();
            if (err == ENOENT) return std::nullopt;
            throw errno_error(err, "EFI variable " + id.file_name(), "read");
        }
        Variable v;
        v.id = id;
        v.attributes = attrs;
        v.data.assign(data, data + size);
        std::free(data);
        return v;
    }

    void set(const Variable& v) override {
        efi_guid_t g = to_efi(v.id.guid);
        std::vector<std::uint8_t> data = v.data;
        fault_point("efivar-set", location() + v.id.file_name(), "EFI variable " + v.id.file_name());
        if (efi_set_variable(g, v.id.name.c_str(), data.data(), data.size(), v.attributes, 0644) < 0) {
            int err = errno;
            efi_error_clear();
            throw errno_error(err, "EFI variable " + v.id.file_name(), "write");
        }
    }

    void remove(const VarId& id) override {
        efi_guid_t g = to_efi(id.guid);
        fault_point("efivar-delete", location() + id.file_name(), "EFI variable " + id.file_name());
        if (efi_del_variable(g, id.name.c_str()) < 0) {
            int err = errno;
            efi_error_clear();
            if (err == ENOENT) return;
            throw errno_error(err, "EFI variable " + id.file_name(), "delete");
        }
    }
};

} // namespace

std::unique_ptr<VarStore> make_directory_store(const Root& root, std::string dir) {
    return std::make_unique<DirectoryStore>(root, std::move(dir));
}

std::unique_ptr<VarStore> make_libefivar_store() {
    return std::make_unique<LibefivarStore>();
}

} // namespace bootsmith::sys
