// `bootsmith kernel …` on copies of the fixture roots: the Debian family (generated
// grub.cfg), the Fedora family (BLS entries + GRUB blscfg) and the BIOS Debian root.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>

using bootsmith::test::read_file;
using bootsmith::test::run;
using bootsmith::test::snapshot;
using bootsmith::test::TempDir;
using bootsmith::test::tree_diff;
using bootsmith::test::write_file;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kDebianUuid = "2d6a4b8e-1f3c-4e5a-9b7d-0c1e2f3a4b5c";
const std::string kMid = "4a1f9c3e7b2d4e6f8a0b1c2d3e4f5a6b";
const std::string kFedoraEntries = "boot/loader/entries/";

using Root = bootsmith::test::FixtureCopy;

/// grubenv as the real grub-editenv lists it (bootsmith's own reader when it is absent).
std::string env_list(const Root& r, const std::string& rel) {
    if (::access("/usr/bin/grub-editenv", X_OK) == 0)
        return run({(r.root / rel).string(), "list"}, {}, "/usr/bin/grub-editenv").out;
    return r({"grub", "env", "--file", "/" + rel, "list"}).out;
}

void expect_one_line_error(const bootsmith::test::RunResult& r, int code, const std::string& needle) {
    EXPECT_EQ(r.status, code) << r.err;
    EXPECT_EQ(bootsmith::test::line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

} // namespace

TEST(Kernel, ListEveryFamily) {
    for (const char* name : {"debian12-uefi", "fedora-bls-uefi", "bios-mbr"}) {
        Root r(name);
        auto t = r({"kernel", "list"});
        ASSERT_EQ(t.status, 0) << name << t.err;
        EXPECT_NE(t.out.find("[default]"), std::string::npos) << t.out;
        EXPECT_NE(t.out.find("[booted]"), std::string::npos) << t.out;
        auto j = json::parse(r({"kernel", "list", "--json"}).out);
        EXPECT_EQ(j["schema"], "bootsmith.kernel-list/1");
        EXPECT_EQ(j["default"]["position"], 0);
        EXPECT_EQ(j["booted"]["position"], 0);
        EXPECT_TRUE(j["problems"].empty()) << j["problems"];
    }
    auto j = json::parse(Root("fedora-bls-uefi")({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["family"], "bls");
    EXPECT_EQ(j["entries"].size(), 3u);
    EXPECT_EQ(j["entries"][0]["id"], kMid + "-6.11.9-101.fc39.x86_64");
    EXPECT_EQ(j["entries"][0]["args"], "root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro rhgb quiet");
    EXPECT_EQ(j["kernels"].size(), 3u);
    EXPECT_EQ(j["entries"][0]["keys"][5], json({{"key", "grub_users"}, {"value", "$grub_users"}}));
    EXPECT_EQ(j["microcode"], json::array());
    j = json::parse(Root("debian12-uefi")({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["family"], "grub-mkconfig");
    EXPECT_EQ(j["kernel_order"], "dpkg version comparison (Debian 12 grub-mkconfig)");
    EXPECT_EQ(j["entries"][1]["index"], "1>0");
}

TEST(Kernel, DefaultOnDebianSwitchesGrubToSavedEntryWithConsent) {
    Root r("debian12-uefi");
    EXPECT_EQ(r({"kernel", "default"}).out.rfind("0  Debian GNU/Linux   (set default)\n", 0), 0u);
    auto before = snapshot(r.root);
    // No terminal, no --yes: refused, nothing written.
    expect_one_line_error(r({"kernel", "default", "6.1.0-10-amd64"}), 1, "--yes");
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
    // The plan shows all three files; nothing is written.
    auto dry = r({"--dry-run", "kernel", "default", "6.1.0-10-amd64"});
    ASSERT_EQ(dry.status, 0) << dry.err;
    EXPECT_NE(dry.out.find("+   set default=\"${saved_entry}\""), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("+GRUB_DEFAULT=saved"), std::string::npos) << dry.out;
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");

    ASSERT_EQ(r({"--yes", "kernel", "default", "6.1.0-10-amd64"}).status, 0);
    std::string id = "gnulinux-advanced-" + kDebianUuid + ">gnulinux-6.1.0-10-amd64-advanced-" + kDebianUuid;
    EXPECT_EQ(env_list(r, "boot/grub/grubenv"), "saved_entry=" + id + "\n");
    EXPECT_NE(r.file("boot/grub/grub.cfg").find("\n   set default=\"${saved_entry}\"\n"), std::string::npos);
    EXPECT_NE(r.file("etc/default/grub").find("\nGRUB_DEFAULT=saved\n"), std::string::npos);
    EXPECT_EQ(r({"kernel", "default"}).out.rfind("1>2  Debian GNU/Linux, with Linux 6.1.0-10-amd64   (saved_entry)", 0),
              0u);
    auto s = json::parse(r({"status", "--json"}).out);
    EXPECT_EQ(s["kernels"]["default"]["version"], "6.1.0-10-amd64");
    EXPECT_EQ(s["kernels"]["booted"]["version"], "6.1.0-13-amd64");
    // From now on no consent is needed: grub.cfg reads saved_entry.
    ASSERT_EQ(r({"kernel", "default", "newest"}).status, 0);
    EXPECT_EQ(env_list(r, "boot/grub/grubenv"), "saved_entry=gnulinux-advanced-" + kDebianUuid +
                                                    ">gnulinux-6.1.0-13-amd64-advanced-" + kDebianUuid + "\n");
    expect_one_line_error(r({"kernel", "default", "9.9"}), 2, "matches no kernel entry");
}

TEST(Kernel, DefaultAndNextOnFedoraWriteBlsIds) {
    Root r("fedora-bls-uefi");
    auto before = r.file("boot/grub2/grub.cfg");
    ASSERT_EQ(r({"kernel", "default", "previous"}).status, 0);
    EXPECT_EQ(env_list(r, "boot/grub2/grubenv"),
              "saved_entry=" + kMid + "-6.11.9-100.fc39.x86_64\nboot_success=0\nmenu_auto_hide=1\n");
    EXPECT_EQ(r.file("boot/grub2/grub.cfg"), before);
    auto j = json::parse(r({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["default"]["position"], 1);
    EXPECT_EQ(j["booted"]["position"], 0);

    ASSERT_EQ(r({"kernel", "next", "booted"}).status, 0);
    j = json::parse(r({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["next"]["position"], 0);
    EXPECT_EQ(j["next"]["value"], kMid + "-6.11.9-101.fc39.x86_64");
    auto s = json::parse(r({"status", "--json"}).out);
    EXPECT_EQ(s["kernels"]["next"]["version"], "6.11.9-101.fc39.x86_64");
    ASSERT_EQ(r({"kernel", "next", "--clear"}).status, 0);
    EXPECT_EQ(env_list(r, "boot/grub2/grubenv").find("next_entry"), std::string::npos);
    EXPECT_EQ(r({"kernel", "next"}).out, "none   (none set)\n");
}

TEST(Kernel, ArgsAllReachEntriesAndFutureKernels) {
    Root r("fedora-bls-uefi");
    ASSERT_EQ(
        r({"kernel", "args", "--kernel", "ALL", "--add", "console=ttyS0,115200 rhgb=0", "--remove", "quiet"}).status,
        0);
    for (const char* v : {"6.11.9-101.fc39.x86_64", "6.11.9-100.fc39.x86_64", "0-rescue"}) {
        std::string e = r.file(kFedoraEntries + kMid + "-" + v + ".conf");
        EXPECT_NE(e.find("\noptions root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro rhgb=0 console=ttyS0,115200\n"),
                  std::string::npos)
            << e;
    }
    EXPECT_EQ(r.file("etc/kernel/cmdline"),
              "root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro rhgb=0 console=ttyS0,115200\n");
    EXPECT_NE(r.file("etc/default/grub").find("\nGRUB_CMDLINE_LINUX=\"rhgb=0 console=ttyS0,115200\"\n"),
              std::string::npos);
    auto show = r({"kernel", "args"});
    EXPECT_NE(show.out.find("console=ttyS0,115200"), std::string::npos);

    Root d("debian12-uefi");
    ASSERT_EQ(d({"kernel", "args", "--kernel", "ALL", "--remove", "quiet", "--add", "nomodeset"}).status, 0);
    std::string cfg = d.file("boot/grub/grub.cfg");
    EXPECT_EQ(cfg.find(" quiet"), std::string::npos);
    EXPECT_NE(cfg.find("linux\t/boot/vmlinuz-6.1.0-10-amd64 root=UUID=" + kDebianUuid +
                       " ro single console=ttyS0,115200n8 nomodeset\n"),
              std::string::npos)
        << cfg;
    std::string defaults = d.file("etc/default/grub");
    EXPECT_NE(defaults.find("GRUB_CMDLINE_LINUX_DEFAULT=\"\""), std::string::npos) << defaults;
    EXPECT_NE(defaults.find("GRUB_CMDLINE_LINUX=\"console=ttyS0,115200n8 nomodeset\""), std::string::npos) << defaults;
    // GRUB script metacharacters are refused on grub.cfg systems, nothing written.
    auto before = snapshot(d.root);
    expect_one_line_error(d({"kernel", "args", "--kernel", "ALL", "--add", "x=$(reboot)"}), 2, "GRUB's script");
    expect_one_line_error(d({"kernel", "args", "--kernel", "ALL", "--add", "a;b"}), 2, "GRUB's script");
    EXPECT_EQ(tree_diff(before, snapshot(d.root)), "");
}

TEST(Kernel, ArgsOfOneKernelOnDebianWarnThatUpdateGrubUndoesThem) {
    Root d("debian12-uefi");
    auto r = d({"kernel", "args", "--kernel", "previous", "--add", "mitigations=off"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("until the next update-grub"), std::string::npos) << r.err;
    std::string cfg = d.file("boot/grub/grub.cfg");
    EXPECT_NE(cfg.find("/boot/vmlinuz-6.1.0-10-amd64 root=UUID=" + kDebianUuid +
                       " ro console=ttyS0,115200n8 quiet mitigations=off\n"),
              std::string::npos)
        << cfg;
}

TEST(Kernel, AddAndRemoveOnBls) {
    Root r("fedora-bls-uefi");
    write_file(r.root / "boot/vmlinuz-6.12.4-200.fc39.x86_64", "kernel");
    write_file(r.root / "boot/initramfs-6.12.4-200.fc39.x86_64.img", "initrd");
    auto a = r({"kernel", "add", "--kernel", "/boot/vmlinuz-6.12.4-200.fc39.x86_64", "--copy-default", "--args",
                "console=ttyS0", "--make-default"});
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(r.file(kFedoraEntries + kMid + "-6.12.4-200.fc39.x86_64.conf"),
              "title Fedora Linux (6.12.4-200.fc39.x86_64) 39 (Thirty Nine)\n"
              "version 6.12.4-200.fc39.x86_64\n"
              "linux /vmlinuz-6.12.4-200.fc39.x86_64\n"
              "initrd /initramfs-6.12.4-200.fc39.x86_64.img\n"
              "options root=UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d ro rhgb quiet console=ttyS0\n"
              "grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n");
    auto j = json::parse(r({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["entries"][0]["version"], "6.12.4-200.fc39.x86_64");
    EXPECT_EQ(j["default"]["position"], 0);
    EXPECT_EQ(j["saved_entry"], kMid + "-6.12.4-200.fc39.x86_64");
    // Adding it twice is refused.
    expect_one_line_error(r({"kernel", "add", "--kernel", "/boot/vmlinuz-6.12.4-200.fc39.x86_64"}), 1,
                          "already exists");

    // Removing the default unsets saved_entry; the booted kernel's entry needs --force.
    ASSERT_EQ(r({"kernel", "remove", "6.12.4-200.fc39.x86_64"}).status, 0);
    EXPECT_FALSE(fs::exists(r.root / (kFedoraEntries + kMid + "-6.12.4-200.fc39.x86_64.conf")));
    EXPECT_EQ(env_list(r, "boot/grub2/grubenv").find("saved_entry"), std::string::npos);
    expect_one_line_error(r({"kernel", "remove", "booted"}), 1, "--force");
    EXPECT_TRUE(fs::exists(r.root / "boot/vmlinuz-6.12.4-200.fc39.x86_64")); // kernel files stay
}

TEST(Kernel, AddAndRemoveOnGrubCfg) {
    Root d("debian12-uefi");
    write_file(d.root / "boot/vmlinuz-6.1.0-18-amd64", "kernel");
    write_file(d.root / "boot/initrd.img-6.1.0-18-amd64", "initrd");
    auto a =
        d({"kernel", "add", "--kernel", "/boot/vmlinuz-6.1.0-18-amd64", "--title", "Test kernel", "--copy-default"});
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_NE(a.err.find("next update-grub replaces this entry"), std::string::npos);
    auto j = json::parse(d({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["entries"][0]["title"], "Test kernel");
    EXPECT_EQ(j["entries"][0]["id"], "bootsmith-6.1.0-18-amd64");
    EXPECT_EQ(j["entries"][0]["args"], "root=UUID=" + kDebianUuid + " ro console=ttyS0,115200n8 quiet");
    EXPECT_EQ(j["entries"][0]["initrd"][0], "/boot/initrd.img-6.1.0-18-amd64");
    if (::access("/usr/bin/grub-script-check", X_OK) == 0) {
        EXPECT_EQ(run({(d.root / "boot/grub/grub.cfg").string()}, {}, "/usr/bin/grub-script-check").status, 0);
    }
    ASSERT_EQ(d({"kernel", "remove", "bootsmith-6.1.0-18-amd64"}).status, 0);
    EXPECT_EQ(d.file("boot/grub/grub.cfg"),
              read_file(bootsmith::test::fixtures() / "debian12-uefi/boot/grub/grub.cfg"));
    expect_one_line_error(d({"kernel", "remove", "6.1.0-13-amd64"}), 1, "--force");
}

TEST(Kernel, AddMakeDefaultOnDebianSavesTheNewId) {
    Root d("debian12-uefi");
    write_file(d.root / "boot/vmlinuz-6.1.0-18-amd64", "kernel");
    write_file(d.root / "boot/initrd.img-6.1.0-18-amd64", "initrd");
    auto before = snapshot(d.root);
    expect_one_line_error(d({"kernel", "add", "--kernel", "/boot/vmlinuz-6.1.0-18-amd64", "--make-default"}), 1,
                          "--yes");
    EXPECT_EQ(tree_diff(before, snapshot(d.root)), "");
    ASSERT_EQ(
        d({"--yes", "kernel", "add", "--kernel", "/boot/vmlinuz-6.1.0-18-amd64", "--copy-default", "--make-default"})
            .status,
        0);
    EXPECT_EQ(env_list(d, "boot/grub/grubenv"), "saved_entry=bootsmith-6.1.0-18-amd64\n");
    std::string cfg = d.file("boot/grub/grub.cfg");
    EXPECT_NE(cfg.find("menuentry 'Debian GNU/Linux, with Linux 6.1.0-18-amd64'"), std::string::npos);
    EXPECT_NE(cfg.find("\n   set default=\"${saved_entry}\"\n"), std::string::npos);
    EXPECT_NE(d.file("etc/default/grub").find("\nGRUB_DEFAULT=saved\n"), std::string::npos);
    auto j = json::parse(d({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["default"]["position"], 0);
    EXPECT_EQ(j["entries"][0]["id"], "bootsmith-6.1.0-18-amd64");
    EXPECT_EQ(j["default"]["source"], "saved_entry");
}

TEST(Kernel, GrubbyKeptGrubCfgOfCentos7) {
    Root c("centos7-bios");
    auto j = json::parse(c({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["family"], "grub.cfg");
    EXPECT_EQ(j["kernel_order"], "rpm version comparison (RHEL grub2-mkconfig, rpm-sort)");
    EXPECT_EQ(j["kernels"][0]["version"], "3.10.0-1160.119.1.el7.x86_64");
    EXPECT_EQ(j["default"]["position"], 0);
    EXPECT_EQ(j["booted"]["position"], 0);
    // grubby copied the GA entry's --id into the newer entry: the id would select the
    // newer kernel, so the GA kernel is saved by its title (as grub2-set-default does).
    ASSERT_EQ(c({"kernel", "default", "previous"}).status, 0);
    EXPECT_EQ(env_list(c, "boot/grub2/grubenv"), "saved_entry=CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)\n");
    EXPECT_EQ(json::parse(c({"kernel", "list", "--json"}).out)["default"]["position"], 1);
    // Arguments: every entry and GRUB_CMDLINE_LINUX (what grub2-mkconfig would use).
    ASSERT_EQ(c({"kernel", "args", "--kernel", "ALL", "--add", "console=ttyS0"}).status, 0);
    std::string cfg = c.file("boot/grub2/grub.cfg");
    std::size_t n = 0;
    for (std::size_t at = cfg.find("console=ttyS0"); at != std::string::npos; at = cfg.find("console=ttyS0", at + 1))
        ++n;
    EXPECT_EQ(n, 3u);
    EXPECT_NE(c.file("etc/default/grub").find("GRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet console=ttyS0\""),
              std::string::npos);
    // A new kernel: an entry at the top with the default entry's set-up lines.
    write_file(c.root / "boot/vmlinuz-3.10.0-1160.120.1.el7.x86_64", "kernel");
    write_file(c.root / "boot/initramfs-3.10.0-1160.120.1.el7.x86_64.img", "initrd");
    ASSERT_EQ(c({"kernel", "add", "--kernel", "/boot/vmlinuz-3.10.0-1160.120.1.el7.x86_64", "--copy-default"}).status,
              0);
    j = json::parse(c({"kernel", "list", "--json"}).out);
    EXPECT_EQ(j["entries"][0]["title"], "CentOS Linux (3.10.0-1160.120.1.el7.x86_64) 7 (Core)");
    EXPECT_EQ(j["entries"][0]["linux"], "/vmlinuz-3.10.0-1160.120.1.el7.x86_64");
    EXPECT_EQ(j["entries"][0]["initrd"][0], "/initramfs-3.10.0-1160.120.1.el7.x86_64.img");
    EXPECT_TRUE(j["entries"][0]["kernel_exists"]);
    cfg = c.file("boot/grub2/grub.cfg");
    EXPECT_NE(cfg.find("$menuentry_id_option 'bootsmith-3.10.0-1160.120.1.el7.x86_64' {\n\tload_video\n"),
              std::string::npos)
        << cfg;
    EXPECT_NE(cfg.find("\tlinux16\t/vmlinuz-3.10.0-1160.120.1.el7.x86_64 root=UUID="), std::string::npos) << cfg;
    // The saved title still selects the GA kernel after the insertion.
    EXPECT_EQ(j["default"]["position"], 2);
    if (::access("/usr/bin/grub-script-check", X_OK) == 0) {
        EXPECT_EQ(run({(c.root / "boot/grub2/grub.cfg").string()}, {}, "/usr/bin/grub-script-check").status, 0);
    }
}

TEST(Kernel, BadInputIsOneLine) {
    Root r("debian12-uefi");
    expect_one_line_error(r({"kernel", "frob"}), 2, "frob");
    expect_one_line_error(r({"kernel", "add"}), 2, "--kernel");
    expect_one_line_error(r({"kernel", "add", "--kernel", "/boot/nope"}), 66, "/boot/nope");
    expect_one_line_error(r({"kernel", "default", "a", "b"}), 2, "one SEL");
    write_file(r.root / "boot/grub/grub.cfg", "menuentry 'broken' {\n\tlinux /vmlinuz-6.1.0-13-amd64\n");
    auto l = r({"kernel", "list"});
    EXPECT_EQ(l.status, 0); // a broken menu is still listed as far as it goes
}
