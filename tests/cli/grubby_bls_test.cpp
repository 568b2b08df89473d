// `bootsmith grubby` in BLS mode (Fedora's grubby-bls): outputs and edits on the Fedora
// fixture and on a RHEL 8.0 root whose entry reads $kernelopts from grubenv. grubby-bls is
// not packaged for Debian: the expected outputs follow its format as the notes record it
// (kernels-bls.md §4.2) — index order `sort -Vr`, /boot-prefixed paths, root= on its own line.
#include "testutil.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

using bootsmith::test::read_file;
using bootsmith::test::run;
using bootsmith::test::snapshot;
using bootsmith::test::TempDir;
using bootsmith::test::tree_diff;
using bootsmith::test::write_file;
namespace fs = std::filesystem;

namespace {

const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path();
const std::string kMid = "4a1f9c3e7b2d4e6f8a0b1c2d3e4f5a6b";
const std::string kRootArg = "UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/// A fixture copy on which `bootsmith --root ROOT grubby ARGS…` runs.
struct Root : bootsmith::test::FixtureCopy {
    using FixtureCopy::FixtureCopy;
    bootsmith::test::RunResult operator()(std::vector<std::string> args) const {
        args.insert(args.begin(), "grubby");
        return FixtureCopy::operator()(std::move(args));
    }
};

std::string env_of(const fs::path& file) {
    return run({file.string(), "list"}, {},
               ::access("/usr/bin/grub-editenv", X_OK) == 0 ? "/usr/bin/grub-editenv" : "grub-editenv")
        .out;
}

} // namespace

TEST(GrubbyBls, InfoAndDefaults) {
    Root r("fedora-bls-uefi");
    auto info = r({"--info=1"});
    ASSERT_EQ(info.status, 0) << info.err;
    EXPECT_EQ(info.out, "index=1\nkernel=\"/boot/vmlinuz-6.11.9-100.fc39.x86_64\"\nargs=\"ro rhgb quiet\"\nroot=\"" +
                            kRootArg +
                            "\"\ninitrd=\"/boot/initramfs-6.11.9-100.fc39.x86_64.img\"\n"
                            "title=\"Fedora Linux (6.11.9-100.fc39.x86_64) 39 (Thirty Nine)\"\nid=\"" +
                            kMid + "-6.11.9-100.fc39.x86_64\"\n");
    EXPECT_EQ(bootsmith::test::line_count(r({"--info=ALL"}).out), 21u);
    EXPECT_EQ(r({"--info", "DEFAULT"}).out.rfind("index=0\n", 0), 0u);
    EXPECT_EQ(r({"--info=/boot/vmlinuz-6.11.9-100.fc39.x86_64"}).out.rfind("index=1\n", 0), 0u);
    EXPECT_EQ(r({"--info=TITLE=Fedora Linux (6.11.9-100.fc39.x86_64) 39 (Thirty Nine)"}).out.rfind("index=1\n", 0), 0u);
    EXPECT_EQ(r({"--default-kernel"}).out, "/boot/vmlinuz-6.11.9-101.fc39.x86_64\n");
    EXPECT_EQ(r({"--default-index"}).out, "0\n");
    EXPECT_EQ(r({"--default-title"}).out, "Fedora Linux (6.11.9-101.fc39.x86_64) 39 (Thirty Nine)\n");
    auto bad = r({"--info=7"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, "The param 7 is incorrect\n");
    EXPECT_EQ(r({}).err, "no action specified\n");
}

TEST(GrubbyBls, SetDefault) {
    Root r("fedora-bls-uefi");
    auto s = r({"--set-default", "/boot/vmlinuz-6.11.9-100.fc39.x86_64"});
    ASSERT_EQ(s.status, 0) << s.err;
    EXPECT_EQ(s.err, "The default is /boot/loader/entries/" + kMid +
                         "-6.11.9-100.fc39.x86_64.conf with index 1 and kernel /boot/vmlinuz-6.11.9-100.fc39.x86_64\n");
    EXPECT_EQ(s.out, "");
    EXPECT_EQ(env_of(r.root / "boot/grub2/grubenv"),
              "saved_entry=" + kMid + "-6.11.9-100.fc39.x86_64\nboot_success=0\nmenu_auto_hide=1\n");
    EXPECT_EQ(r({"--default-index"}).out, "1\n");
    ASSERT_EQ(r({"--set-default-index=0"}).status, 0);
    EXPECT_EQ(r({"--default-index"}).out, "0\n");
    // --dry-run shows the plan and writes nothing.
    auto before = snapshot(r.root);
    auto dry = run({"--root", r.root.string(), "--dry-run", "grubby", "--set-default-index=2"});
    EXPECT_EQ(dry.status, 0);
    EXPECT_NE(dry.out.find("+saved_entry=" + kMid + "-0-rescue"), std::string::npos) << dry.out;
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
}

TEST(GrubbyBls, UpdateKernelAllAndOne) {
    Root r("fedora-bls-uefi");
    ASSERT_EQ(r({"--update-kernel=ALL", "--args=console=ttyS0", "--remove-args=rhgb"}).status, 0);
    for (const char* v : {"6.11.9-101.fc39.x86_64", "6.11.9-100.fc39.x86_64", "0-rescue"})
        EXPECT_NE(r.file("boot/loader/entries/" + kMid + "-" + v + ".conf")
                      .find("\noptions root=" + kRootArg + " ro quiet console=ttyS0\n"),
                  std::string::npos);
    EXPECT_EQ(r.file("etc/kernel/cmdline"), "root=" + kRootArg + " ro quiet console=ttyS0\n");
    std::string d = r.file("etc/default/grub");
    EXPECT_NE(d.find("\nGRUB_CMDLINE_LINUX=\"quiet console=ttyS0\"\n"), std::string::npos) << d;
    ASSERT_EQ(r({"--update-kernel=1", "--initrd=/boot/initramfs-test.img"}).status, 0);
    EXPECT_NE(
        r.file("boot/loader/entries/" + kMid + "-6.11.9-100.fc39.x86_64.conf").find("\ninitrd /initramfs-test.img\n"),
        std::string::npos);
}

TEST(GrubbyBls, KernelOptsOfRhel8) {
    // A RHEL 8.0 root: the entry reads $kernelopts and $tuned_params from grubenv.
    TempDir t;
    fs::path root = t / "rhel8";
    fs::create_directories(root / "boot/loader/entries");
    fs::create_directories(root / "boot/grub2");
    fs::copy_file(kRepo / "tests/data/bls/rhel8.0-kernelopts/rhel-4.18.0-80.el8.x86_64.conf",
                  root / "boot/loader/entries/rhel-4.18.0-80.el8.x86_64.conf");
    write_file(root / "boot/grub2/grub.cfg", "load_env\nset default=\"${saved_entry}\"\nblscfg\n");
    write_file(root / "boot/vmlinuz-4.18.0-80.el8.x86_64", "k");
    ASSERT_EQ(run({"--root", root.string(), "grub", "env", "create"}).status, 0);
    ASSERT_EQ(run({"--root", root.string(), "grub", "env", "set",
                   "kernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto resume=/dev/mapper/rhel-swap "
                   "rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet "})
                  .status,
              0);
    auto g = [&](std::vector<std::string> a) {
        a.insert(a.begin(), {"--root", root.string(), "grubby"});
        return run(a);
    };
    auto info = g({"--info=0"});
    EXPECT_NE(info.out.find("args=\"ro crashkernel=auto resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root "
                            "rd.lvm.lv=rhel/swap rhgb quiet $tuned_params\"\nroot=\"/dev/mapper/rhel-root\"\n"),
              std::string::npos)
        << info.out;
    // ALL: the variable is edited in grubenv, the entry keeps $kernelopts.
    ASSERT_EQ(g({"--update-kernel=ALL", "--args=nomodeset"}).status, 0);
    std::string entry = read_file(root / "boot/loader/entries/rhel-4.18.0-80.el8.x86_64.conf");
    EXPECT_NE(entry.find("\noptions $kernelopts $tuned_params\n"), std::string::npos) << entry;
    EXPECT_NE(env_of(root / "boot/grub2/grubenv").find("kernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto "),
              std::string::npos);
    EXPECT_NE(env_of(root / "boot/grub2/grubenv").find(" rhgb quiet nomodeset\n"), std::string::npos);
    // No /etc/kernel/cmdline before: created without the GRUB-only variables.
    EXPECT_EQ(read_file(root / "etc/kernel/cmdline").find('$'), std::string::npos);
    // One entry: $kernelopts is inlined (as grubby-bls does).
    ASSERT_EQ(g({"--update-kernel=0", "--args=x=1"}).status, 0);
    entry = read_file(root / "boot/loader/entries/rhel-4.18.0-80.el8.x86_64.conf");
    EXPECT_NE(entry.find("\noptions root=/dev/mapper/rhel-root ro crashkernel=auto"), std::string::npos) << entry;
    EXPECT_NE(entry.find("nomodeset $tuned_params x=1\n"), std::string::npos) << entry;
}

TEST(GrubbyBls, AddAndRemoveKernel) {
    Root r("fedora-bls-uefi");
    write_file(r.root / "boot/vmlinuz-6.12.4-200.fc39.x86_64", "k");
    EXPECT_EQ(r({"--add-kernel=/boot/vmlinuz-6.12.4-200.fc39.x86_64"}).err, "The kernel title must be specified\n");
    EXPECT_EQ(r({"--add-kernel=/boot/vmlinuz-9", "--title=x"}).err, "The 9 kernel isn't installed in the machine\n");
    auto a = r({"--add-kernel=/boot/vmlinuz-6.12.4-200.fc39.x86_64", "--title=Test", "--copy-default", "--args=a=1",
                "--make-default"});
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(r.file("boot/loader/entries/" + kMid + "-6.12.4-200.fc39.x86_64.conf"),
              "title Test\nversion 6.12.4-200.fc39.x86_64\nlinux /vmlinuz-6.12.4-200.fc39.x86_64\n"
              "initrd /initramfs-6.12.4-200.fc39.x86_64.img\noptions root=" +
                  kRootArg +
                  " ro rhgb quiet a=1\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n");
    EXPECT_EQ(r({"--default-kernel"}).out, "/boot/vmlinuz-6.12.4-200.fc39.x86_64\n");
    // Again: a ~custom entry, as grubby-bls names it.
    auto again = r({"--add-kernel=/boot/vmlinuz-6.12.4-200.fc39.x86_64", "--title=Again"});
    ASSERT_EQ(again.status, 0);
    EXPECT_TRUE(fs::exists(r.root / ("boot/loader/entries/" + kMid + "-6.12.4-200.fc39.x86_64.0~custom.conf")));
    // Removing the default entry unsets saved_entry.
    ASSERT_EQ(r({"--remove-kernel=TITLE=Test"}).status, 0);
    EXPECT_FALSE(fs::exists(r.root / ("boot/loader/entries/" + kMid + "-6.12.4-200.fc39.x86_64.conf")));
    EXPECT_EQ(env_of(r.root / "boot/grub2/grubenv").find("saved_entry"), std::string::npos);
}
