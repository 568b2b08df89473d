// BLS entries, their names and version orders; grub.cfg in C grubby's model (src/kernel/).
#include "../fuzz.hpp"
#include "bootsmith/kernel/bls.hpp"
#include "bootsmith/kernel/grubby_cfg.hpp"

namespace bootsmith::fuzz {

namespace {

int sign(int v) {
    return (v > 0) - (v < 0);
}

/// A comparison is a total order's: cmp(a, a) == 0 and cmp(a, b) == -cmp(b, a).
void check_order(int (*cmp)(std::string_view, std::string_view), std::string_view a, std::string_view b,
                 const char* what) {
    check(cmp(a, a) == 0, what);
    check(sign(cmp(a, b)) == -sign(cmp(b, a)), what);
}

} // namespace

void bls(Input in) {
    std::string_view text = as_text(in);
    kernel::BlsEntry e = kernel::BlsEntry::parse(text);
    check(e.text() == text, "a parsed entry keeps its bytes");
    (void)e.get("linux");
    (void)e.get_all("initrd");
    (void)e.options();
    (void)e.options_grub();
    (void)e.initrds();
    (void)e.diagnostics();
    kernel::BlsEntry edited = e;
    edited.set("options", "root=UUID=1 ro quiet");
    // (The spec's reading: GRUB's may stop before the line, at a blank line above it.)
    check(kernel::BlsEntry::parse(edited.text()).get("options") == "root=UUID=1 ro quiet", "set options");
    edited.set_all("initrd", {"/a", "", "/b"});
    edited.remove("title");
    check(!kernel::BlsEntry::parse(edited.text()).get("title"), "remove");
    if (!e.lines().empty() && !e.lines().front().key.empty()) {
        edited = e;
        edited.set(e.lines().front().key, "");
        (void)edited.text();
    }

    // The first line as a file name; the two halves of the input as versions.
    std::string_view first = text.substr(0, text.find('\n'));
    if (auto name = kernel::parse_bls_name(first)) check(name->file == first, "parse_bls_name keeps the name");
    std::string_view a = text.substr(0, text.size() / 2), b = text.substr(text.size() / 2);
    check_order(kernel::uapi_version_compare, a, b, "uapi_version_compare is an order");
    check_order(kernel::rpm_vercmp, a, b, "rpm_vercmp is an order");
    check_order(kernel::rpmlib_vercmp, a, b, "rpmlib_vercmp is an order");
    check_order(kernel::sort_v_compare, a, b, "sort_v_compare is an order");
    check_order(kernel::dpkg_version_compare, a, b, "dpkg_version_compare is an order");
    check_order(kernel::debian_kernel_compare, a, b, "debian_kernel_compare is an order");
    check_order(kernel::upstream_kernel_compare, a, b, "upstream_kernel_compare is an order");

    // Entries named by the input's lines, ordered as each loader orders them.
    std::vector<kernel::BlsSortKey> keys;
    for (std::size_t pos = 0; pos < text.size() && keys.size() < 16;) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string line(text.substr(pos, nl - pos));
        pos = nl + 1;
        if (auto name = kernel::parse_bls_name(line + ".conf")) {
            kernel::BlsSortKey k;
            k.name = *name;
            k.version = line;
            keys.push_back(std::move(k));
        }
    }
    for (auto order : {kernel::BlsOrder::uapi, kernel::BlsOrder::blscfg, kernel::BlsOrder::grubby}) {
        std::vector<std::size_t> idx = kernel::bls_order(keys, order);
        check(idx.size() <= keys.size(), "bls_order gives indices of the keys");
        for (std::size_t i : idx)
            check(i < keys.size(), "bls_order index in range");
    }
}

void grubby_cfg(Input in) {
    std::string_view text = as_text(in);
    (void)kernel::grubby_split_args(text);
    if (kernel::grubby_cfg_problem(text)) return; // grubby front ends refuse such a file
    kernel::GrubbyHost host;
    host.saved_entry = "0";
    host.debug = true;
    kernel::GrubbyCfg cfg = kernel::GrubbyCfg::parse(text, host);
    (void)cfg.entries();
    (void)cfg.info("DEFAULT", "/boot");
    (void)cfg.info("ALL", "/boot");
    (void)cfg.default_kernel_text("/boot", false);
    (void)cfg.default_title_text();
    (void)cfg.default_index_text();
    // The steps in the order `grubby --add-kernel … --copy-default --remove-kernel … --update-kernel …` runs them.
    std::optional<int> template_index = cfg.find_template("/boot", false, true);
    cfg.remove("1", "/boot");
    cfg.set_default(true, std::nullopt, true, "/boot", true, -1, 0);
    cfg.set_fallback(true);
    if (cfg.update_args("ALL", "/boot", std::string("console=ttyS0 quiet"), std::string("rhgb")))
        cfg.update_initrd("DEFAULT", "/boot", "/boot/initrd-6.1.img", std::nullopt);
    kernel::GrubbyCfg::NewKernel k;
    k.kernel = "/boot/vmlinuz-6.1";
    k.title = "new";
    k.args = "ro";
    k.initrd = "/boot/initrd-6.1.img";
    k.template_index = template_index;
    cfg.add_kernel(k, "/boot");
    (void)cfg.write();
    (void)cfg.take_diagnostics();
}

} // namespace bootsmith::fuzz
