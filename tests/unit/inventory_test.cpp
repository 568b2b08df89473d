// The kernel inventory on the fixture roots, selectors, and the exact grub.cfg edits.
#include "bootsmith/error.hpp"
#include "bootsmith/kernel/inventory.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>

using namespace bootsmith;
using bootsmith::test::fixtures;

namespace {

kernel::Inventory inventory_of(const std::string& name) {
    return kernel::read_inventory(sys::Root(fixtures() / name));
}

std::vector<std::string> ids(const kernel::Inventory& inv, const std::vector<std::size_t>& at) {
    std::vector<std::string> out;
    for (auto i : at)
        out.push_back(inv.entries[i].id);
    return out;
}

const std::string kDebianUuid = "2d6a4b8e-1f3c-4e5a-9b7d-0c1e2f3a4b5c";
const std::string kFedoraMid = "4a1f9c3e7b2d4e6f8a0b1c2d3e4f5a6b";

} // namespace

TEST(Inventory, DebianGeneratedGrubCfg) {
    auto inv = inventory_of("debian12-uefi");
    EXPECT_EQ(inv.family, kernel::Family::grub_generated);
    EXPECT_EQ(inv.boot_prefix, "");
    ASSERT_EQ(inv.kernels.size(), 2u);
    EXPECT_EQ(inv.kernels[0].version, "6.1.0-13-amd64"); // newest first
    EXPECT_EQ(inv.kernels[0].initrd, "/boot/initrd.img-6.1.0-13-amd64");
    EXPECT_TRUE(inv.kernels[0].modules.has_value());
    // The firmware-settings entry boots no kernel: five Linux entries.
    ASSERT_EQ(inv.entries.size(), 5u);
    EXPECT_EQ(inv.entries[0].index, "0");
    EXPECT_EQ(inv.entries[1].index, "1>0");
    EXPECT_TRUE(inv.entries[2].recovery);
    EXPECT_TRUE(inv.entries[0].kernel_exists);
    EXPECT_TRUE(inv.entries[0].initrd_exists);
    EXPECT_EQ(inv.default_entry, 0u);
    EXPECT_EQ(inv.default_source, "set default");
    EXPECT_EQ(inv.booted_kernel, "/boot/vmlinuz-6.1.0-13-amd64");
    EXPECT_EQ(inv.booted_entry, 0u); // same arguments as the simple entry
    EXPECT_FALSE(inv.next_entry.has_value());
}

TEST(Inventory, FedoraBlsWithGrub) {
    auto inv = inventory_of("fedora-bls-uefi");
    EXPECT_EQ(inv.family, kernel::Family::bls);
    EXPECT_EQ(inv.boot_prefix, "/boot");
    ASSERT_EQ(inv.entries.size(), 3u);
    // blscfg's order: rpm version comparison of the file names, newest first.
    EXPECT_EQ(inv.entries[0].id, kFedoraMid + "-6.11.9-101.fc39.x86_64");
    EXPECT_EQ(inv.entries[1].id, kFedoraMid + "-6.11.9-100.fc39.x86_64");
    EXPECT_EQ(inv.entries[2].id, kFedoraMid + "-0-rescue");
    EXPECT_EQ(inv.entries[0].kernel, "/boot/vmlinuz-6.11.9-101.fc39.x86_64");
    EXPECT_TRUE(inv.entries[0].kernel_exists);
    EXPECT_TRUE(inv.entries[0].initrd_exists);
    EXPECT_TRUE(inv.entries[2].recovery);
    EXPECT_EQ(inv.default_entry, 0u);
    EXPECT_EQ(inv.default_source, "saved_entry");
    EXPECT_EQ(inv.booted_entry, 0u);
    EXPECT_EQ(inv.kernels.back().rescue, true); // rescue last
}

TEST(Inventory, Selectors) {
    auto deb = inventory_of("debian12-uefi");
    EXPECT_EQ(ids(deb, kernel::select(deb, "6.1.0-10-amd64")).size(), 2u); // normal + recovery
    auto one = kernel::select_one(deb, "6.1.0-10-amd64");
    EXPECT_EQ(deb.entries[one].id,
              "gnulinux-advanced-" + kDebianUuid + ">gnulinux-6.1.0-10-amd64-advanced-" + kDebianUuid);
    // newest: the simple entry and the advanced one boot the same kernel; the id naming the version wins.
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "newest")].index, "1>0");
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "previous")].index, "1>2");
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "booted")].index, "0");
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "1>3")].index, "1>3");
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "/boot/vmlinuz-6.1.0-10-amd64")].index, "1>2");
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "Debian GNU/Linux")].index, "0");
    EXPECT_EQ(deb.entries[kernel::select_one(deb, "gnulinux-6.1.0-10-amd64-recovery-" + kDebianUuid)].index, "1>3");
    EXPECT_EQ(test::code_of([&] { kernel::select(deb, "9.9.9"); }), Exit::usage);

    auto fed = inventory_of("fedora-bls-uefi");
    EXPECT_EQ(fed.entries[kernel::select_one(fed, "previous")].version, "6.11.9-100.fc39.x86_64");
    EXPECT_EQ(fed.entries[kernel::select_one(fed, kFedoraMid + "-0-rescue.conf")].index, "2");
    EXPECT_EQ(fed.entries[kernel::select_one(fed, "/boot/vmlinuz-6.11.9-100.fc39.x86_64")].index, "1");
    EXPECT_EQ(kernel::saved_value(fed, 1), kFedoraMid + "-6.11.9-100.fc39.x86_64");
}

TEST(Inventory, NoMenuIsNoneNotAnError) {
    test::TempDir t;
    auto inv = kernel::read_inventory(sys::Root(t.path()));
    EXPECT_EQ(inv.family, kernel::Family::none);
    EXPECT_TRUE(inv.entries.empty());
}

TEST(GrubCfgEdit, ReadSavedEntryOnlyTouchesLiteralDefaults) {
    std::string cfg =
        "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n   set default=\"0\"\nfi\n"
        "menuentry 'a' {\n\tset default=1\n}\n";
    EXPECT_EQ(kernel::grubcfg_read_saved_entry(cfg),
              "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n   set "
              "default=\"${saved_entry}\"\nfi\n"
              "menuentry 'a' {\n\tset default=1\n}\n");
}

TEST(GrubCfgEdit, EditArgsKeepsEverythingElse) {
    std::string cfg = "menuentry 'x' --id x {\n\tinsmod gzio\n\tlinux\t/vmlinuz-1 root=/dev/sda1 ro  quiet\n"
                      "\tinitrd\t/initrd.img-1\n}\nmenuentry 'y' {\n\tlinux /vmlinuz-2\n}";
    auto upper = [](const std::string& a) { return a + " console=ttyS0"; };
    EXPECT_EQ(kernel::grubcfg_edit_args(cfg, 1, upper, "grub.cfg"),
              "menuentry 'x' --id x {\n\tinsmod gzio\n\tlinux\t/vmlinuz-1 root=/dev/sda1 ro  quiet console=ttyS0\n"
              "\tinitrd\t/initrd.img-1\n}\nmenuentry 'y' {\n\tlinux /vmlinuz-2\n}");
    // No arguments yet; no final newline kept.
    EXPECT_EQ(kernel::grubcfg_edit_args(cfg, 6, upper, "grub.cfg"),
              "menuentry 'x' --id x {\n\tinsmod gzio\n\tlinux\t/vmlinuz-1 root=/dev/sda1 ro  quiet\n"
              "\tinitrd\t/initrd.img-1\n}\nmenuentry 'y' {\n\tlinux /vmlinuz-2  console=ttyS0\n}");
    EXPECT_EQ(test::code_of([&] { kernel::grubcfg_edit_args(cfg, 2, upper, "grub.cfg"); }), Exit::data);
    EXPECT_EQ(test::code_of([&] { kernel::grubcfg_edit_args("menuentry 'z' {\n", 1, upper, "grub.cfg"); }), Exit::data);
}

TEST(GrubCfgEdit, RemoveAndInsertEntries) {
    std::string cfg = "set timeout=5\nmenuentry 'a' {\n\techo '}'\n\tlinux /a\n}\nsubmenu 'S' {\n"
                      "\tmenuentry 'b' {\n\t\tlinux /b\n\t}\n\tmenuentry 'c' { linux /c; }\n}\n";
    EXPECT_EQ(kernel::grubcfg_remove_entries(cfg, {2, 10}, "grub.cfg"),
              "set timeout=5\nsubmenu 'S' {\n\tmenuentry 'b' {\n\t\tlinux /b\n\t}\n}\n");
    EXPECT_EQ(kernel::grubcfg_entry_body(cfg, 2, "grub.cfg"), (std::vector<std::string> {"\techo '}'", "\tlinux /a"}));
    kernel::NewMenuEntry e;
    e.title = "it's new";
    e.id = "bootsmith-1";
    e.kernel = "/vmlinuz-1";
    e.args = "root=/dev/sda1";
    e.initrds = {"/initrd-1", "/ucode"};
    std::string text = kernel::grubcfg_entry_text(e);
    EXPECT_EQ(text, "menuentry 'it'\\''s new' --id 'bootsmith-1' {\n\tlinux\t/vmlinuz-1 root=/dev/sda1\n"
                    "\tinitrd\t/initrd-1 /ucode\n}\n");
    EXPECT_EQ(kernel::grubcfg_insert_first(cfg, text), "set timeout=5\n" + text + cfg.substr(14));
    EXPECT_EQ(kernel::grubcfg_insert_first("set a=1", text), "set a=1\n" + text);
}

TEST(Inventory, SystemdBootRootUsesTheUapiOrderAndLoaderConf) {
    test::TempDir t;
    std::filesystem::create_directories(t / "efi/loader/entries");
    test::write_file(t / "efi/loader/entries/a-6.1.0-9-amd64.conf", "title A\nlinux /a/linux\n");
    test::write_file(t / "efi/loader/entries/a-6.1.0-13-amd64.conf", "title B\nlinux /b/linux\n");
    test::write_file(t / "efi/loader/entries/x-1.conf", "title X\nsort-key zz\nlinux /x/linux\n");
    test::write_file(t / "efi/loader/loader.conf", "timeout 3\ndefault a-6.1.0-9-*\n");
    auto inv = kernel::read_inventory(sys::Root(t.path()));
    EXPECT_EQ(inv.family, kernel::Family::bls);
    EXPECT_FALSE(inv.menu.has_value());
    // An entry with a sort-key first, then ids by descending UAPI version.
    EXPECT_EQ(ids(inv, {0, 1, 2}), (std::vector<std::string> {"x-1", "a-6.1.0-13-amd64", "a-6.1.0-9-amd64"}));
    EXPECT_EQ(inv.default_entry, 2u);
    EXPECT_EQ(inv.default_source, "loader.conf default a-6.1.0-9-*");
}

// 200 entries: blscfg's order, indexes, and every problem reported once, in listing order.
TEST(Inventory, ManyBlsEntriesKeepTheirOrderAndProblems) {
    test::FixtureCopy copy("fedora-bls-uefi");
    const std::filesystem::path dir = copy.root / "boot/loader/entries";
    for (const auto& e : std::filesystem::directory_iterator(dir))
        std::filesystem::remove(e.path());
    for (int n = 1; n <= 200; ++n) {
        std::string v =
            "6." + std::to_string(n / 50) + "." + std::to_string(n % 50) + "-" + std::to_string(n) + ".fc39";
        std::string text = "title Fedora (" + v + ")\nversion " + v + "\nlinux /vmlinuz-" + v + "\noptions ro\n";
        if (n % 37 == 0) text += "title again\n"; // a problem: repeated key
        test::write_file(dir / (kFedoraMid + "-" + v + ".conf"), text);
    }
    test::write_file(dir / "0 bad name.conf", "title x\nlinux /x\n"); // not a valid BLS file name
    auto inv = kernel::read_inventory(sys::Root(copy.root));
    ASSERT_EQ(inv.entries.size(), 200u);
    EXPECT_EQ(inv.entries[0].id, kFedoraMid + "-6.4.0-200.fc39"); // rpm order: newest first
    EXPECT_EQ(inv.entries[199].id, kFedoraMid + "-6.0.1-1.fc39");
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        EXPECT_EQ(inv.entries[i].index, std::to_string(i));
    std::vector<std::string> repeated;
    for (const auto& p : inv.problems)
        if (p.find("repeated") != std::string::npos) repeated.push_back(p.substr(p.rfind('/') + 1, 40));
    ASSERT_EQ(repeated.size(), 5u); // n = 37, 74, 111, 148, 185, in listing (byte) order
    EXPECT_TRUE(std::is_sorted(repeated.begin(), repeated.end()));
    EXPECT_NE(inv.problems.front().find("0 bad name.conf"), std::string::npos)
        << inv.problems.front(); // "0 " sorts first
}
