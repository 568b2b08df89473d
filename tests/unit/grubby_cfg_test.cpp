// The grub.cfg model of C grubby (bootsmith/kernel/grubby_cfg.hpp) on small configurations
// and on the suite's inputs (tests/data/grubby); the whole suite runs through the CLI in
// tests/cli/grubby_test.cpp.
#include "bootsmith/kernel/grubby_cfg.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <climits>

#include <filesystem>

using namespace bootsmith::kernel;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(__FILE__).parent_path().parent_path() / "data/grubby/test";

std::string slurp(const std::string& name) {
    return bootsmith::test::read_file(kData / name);
}

const std::string kSmall = "set timeout=5\n"
                           "set default=\"1\"\n"
                           "\n"
                           "menuentry 'A' --class gnu-linux {\n"
                           "\tlinux\t/vmlinuz-a root=/dev/sda1 ro quiet\n"
                           "\tinitrd\t/initrd-a.img /ucode.img\n"
                           "}\n"
                           "menuentry 'B' --class gnu-linux {\n"
                           "\tlinuxefi /vmlinuz-b root=/dev/sda1 ro\n"
                           "}\n";

} // namespace

TEST(GrubbyCfg, WritesBackWhatItReadByteForByte) {
    for (const auto& e : fs::directory_iterator(kData)) {
        if (!e.path().filename().string().starts_with("grub2.")) continue;
        std::string text = bootsmith::test::read_file(e.path());
        EXPECT_EQ(GrubbyCfg::parse(text).write().text, text) << e.path();
    }
    EXPECT_EQ(GrubbyCfg::parse(kSmall).write().text, kSmall);
    // grubby's own normalisations: a final newline is added; trailing blanks after the last
    // word of a line go (not on set lines, nor in comments).
    EXPECT_EQ(GrubbyCfg::parse("menuentry 'x' {\n\tlinux /v ro  \n}").write().text,
              "menuentry 'x' {\n\tlinux /v ro\n}\n");
    EXPECT_EQ(GrubbyCfg::parse("set a=b  \n# c  \n").write().text, "set a=b  \n# c  \n");
    // Empty values of set.
    EXPECT_EQ(GrubbyCfg::parse("set foo=\nset bar= baz\n").write().text, "set foo=\nset bar= baz\n");
    // Titles come back single-quoted (double quotes when they hold an apostrophe).
    EXPECT_EQ(GrubbyCfg::parse("menuentry \"It's\" --class x {\n}\nmenuentry \"B\" --class x {\n}\n").write().text,
              "menuentry \"It's\" --class x {\n}\nmenuentry 'B' --class x {\n}\n");
}

TEST(GrubbyCfg, EntriesForOtherCode) {
    auto cfg = GrubbyCfg::parse(slurp("grub2.4"));
    auto es = cfg.entries();
    ASSERT_EQ(es.size(), 7u); // title, submenu line, title2, Linux…8-32, }, Linux…2-9, trailer
    EXPECT_EQ(es[0].title, "title");
    EXPECT_FALSE(es[1].menuentry);
    EXPECT_EQ(es[2].title, "title2");
    EXPECT_TRUE(es[2].in_submenu);
    EXPECT_TRUE(es[3].in_submenu);
    EXPECT_EQ(es[3].command, "linux");
    EXPECT_EQ(es[3].kernel, "/vmlinuz-2.6.38.8-32.fc15.x86_64");
    EXPECT_EQ(es[3].args, "root=/dev/mapper/vg_pjones5-lv_root ro quiet rhgb");
    EXPECT_EQ(es[3].initrds, std::vector<std::string> {"/initramfs-2.6.38.8-32.fc15.x86_64.img"});
    EXPECT_FALSE(es[4].menuentry);
    EXPECT_FALSE(es[5].in_submenu);
    EXPECT_EQ(es[6].command, "");

    auto small = GrubbyCfg::parse(kSmall);
    EXPECT_EQ(small.default_index(), 1);
    EXPECT_EQ(small.entries()[0].initrds, (std::vector<std::string> {"/initrd-a.img", "/ucode.img"}));
    EXPECT_EQ(small.entries()[1].command, "linuxefi");
    EXPECT_EQ(small.default_title_text(), "B\n");
    EXPECT_EQ(small.default_kernel_text("/boot", true), "/boot/vmlinuz-b\n");
}

TEST(GrubbyCfg, SavedEntryDefaults) {
    GrubbyHost host;
    host.saved_entry = "title";
    auto cfg = GrubbyCfg::parse(slurp("grub2.8"), host);
    EXPECT_TRUE(cfg.default_is_saved());
    EXPECT_EQ(cfg.default_index(), 0);
    host.saved_entry = "no such title";
    EXPECT_EQ(GrubbyCfg::parse(slurp("grub2.8"), host).default_index(), GrubbyCfg::saved_default);
    EXPECT_EQ(GrubbyCfg::parse(slurp("grub2.8"), host).default_index_text(), "0\n");
    // Setting the default writes saved_entry=<title>, not the file.
    cfg.set_default_index(1);
    auto w = cfg.write();
    EXPECT_EQ(w.text, slurp("grub2.8"));
    EXPECT_EQ(w.saved_entry, "Linux, with Fedora 2.6.38.8-32.fc15.x86_64");
}

// A default grubby cannot read (Debian's GRUB_DEFAULT="1>2", an id, a title) is kept as
// written, where grubby drops it, until a default is chosen.
TEST(GrubbyCfg, UnreadableDefaultKept) {
    const std::string text = "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n"
                             "   set default=\"1>2\"\nfi\n" +
                             kSmall.substr(kSmall.find("menuentry"));
    auto cfg = GrubbyCfg::parse(text);
    EXPECT_EQ(cfg.default_index(), GrubbyCfg::no_default);
    cfg.add_entry("N", "/vmlinuz-n", {}, "", 0);
    EXPECT_NE(cfg.write().text.find("   set default=\"1>2\"\nfi\n"), std::string::npos);
    EXPECT_EQ(grubby_cfg_problem(cfg.write().text), std::nullopt);
    cfg.set_default_index(1);
    EXPECT_NE(cfg.write().text.find("   set default=\"1\"\nfi\n"), std::string::npos);
}

TEST(GrubbyCfg, Selectors) {
    auto cfg = GrubbyCfg::parse(slurp("grub2.3")); // title, title2, 8-32, 2-9, trailer
    int i = 0;
    EXPECT_NE(cfg.find("TITLE=title2", "", &i), nullptr);
    EXPECT_EQ(i, 1);
    i = 0;
    EXPECT_NE(cfg.find("/boot/vmlinuz-2.6.38.2-9.fc15.x86_64", "/boot", &i), nullptr);
    EXPECT_EQ(i, 3);
    EXPECT_EQ(cfg.find("/vmlinuz-2.6.38.2-9.fc15.x86_64", "/boot"), nullptr); // the prefix's length is cut blindly
    EXPECT_EQ(cfg.find("4", ""), nullptr);                                    // the trailer boots no kernel
    EXPECT_EQ(cfg.find("1,x", ""), nullptr);
    EXPECT_EQ(cfg.find("DEFAULT", ""), &cfg.raw_entries()[0]);
    EXPECT_EQ(cfg.find("x", "/boot"), nullptr); // shorter than the prefix: matches nothing
    // A comma list removes only its first index (grubby's markRemovedImage).
    auto c2 = cfg;
    c2.remove("1,2", "");
    EXPECT_EQ(c2.live_count(), 4);
    EXPECT_TRUE(c2.raw_entries()[1].skip);
    // An index list that goes back ends (grubby loops for ever on it).
    EXPECT_EQ(cfg.info("0,0", "").value_or(""), cfg.info("0", "").value_or("-"));
    EXPECT_TRUE(c2.update_args("0,2,0,2", "", "x=1", std::nullopt));
    // A path removes every entry booting it.
    c2.remove("/boot/new-kernel.img", "/boot");
    EXPECT_EQ(c2.live_count(), 3);
}

TEST(GrubbyCfg, BtrfsSubvolumePrefixes) {
    GrubbyHost host;
    host.mounts = bootsmith::test::read_file(kData / "grub2-support_files/g2.21-mounts");
    auto cfg = GrubbyCfg::parse(slurp("grub2.21"), host);
    EXPECT_NE(cfg.find("/boot/new-kernel.img", "/boot"), nullptr);
    EXPECT_EQ(GrubbyCfg::parse(slurp("grub2.21")).find("/boot/new-kernel.img", "/boot"), nullptr);
    cfg.update_initrd("/boot/new-kernel.img", "/boot", "/boot/new-initrd", std::nullopt);
    EXPECT_EQ(cfg.write().text, slurp("results/add/g2-1.21"));
}

TEST(GrubbyCfg, UpdateArgs) {
    auto cfg = GrubbyCfg::parse(kSmall);
    ASSERT_TRUE(cfg.update_args("ALL", "", "quiet=1 new \"two words\"", "ro root=/dev/other"));
    auto text = cfg.write().text;
    // quiet replaced in place; a root= with another value is not removed; the rest appended.
    EXPECT_NE(text.find("\tlinux\t/vmlinuz-a root=/dev/sda1 quiet=1 new two words\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\tlinuxefi /vmlinuz-b root=/dev/sda1 quiet=1 new two words\n"), std::string::npos) << text;
    ASSERT_TRUE(cfg.update_args("0", "", std::nullopt, "root"));
    EXPECT_NE(cfg.write().text.find("\tlinux\t/vmlinuz-a quiet=1"), std::string::npos);
    EXPECT_FALSE(cfg.update_args("0", "", "  ", std::nullopt));
    EXPECT_EQ(cfg.take_diagnostics(), "grubby: error separating arguments '  '\n");
}

TEST(GrubbyCfg, AddEntryWithoutTemplate) {
    auto cfg = GrubbyCfg::parse(kSmall);
    cfg.add_entry("New", "/vmlinuz-new", {"/initrd-new.img"}, "root=/dev/sda1 ro", 0);
    EXPECT_EQ(cfg.default_index(), 2); // still B
    auto text = cfg.write().text;
    EXPECT_NE(text.find("set default=\"2\"\n\nmenuentry 'New' --class gnu-linux --class gnu --class os {\n"
                        "\tlinux /vmlinuz-new root=/dev/sda1 ro\n"
                        "\tinitrd /initrd-new.img\n"
                        "}\n"
                        "menuentry 'A'"),
              std::string::npos)
        << text;
    cfg.add_entry("It's last", "/vmlinuz-x", {}, "", 99, "linuxefi");
    text = cfg.write().text;
    EXPECT_NE(text.find("menuentry 'It'\\''s last' --class gnu-linux --class gnu --class os {\n"
                        "\tlinuxefi /vmlinuz-x\n}\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(grubby_cfg_problem(text), std::nullopt);
    cfg.set_default_index(9);
    EXPECT_EQ(cfg.write().text.find("set default"), std::string::npos); // past the end: no default
}

TEST(GrubbyCfg, AddKernelFromTemplate) {
    auto cfg = GrubbyCfg::parse(kSmall);
    auto t = cfg.find_template("/boot", false, true);
    ASSERT_EQ(t, 1); // the default entry
    cfg.set_default(true, std::nullopt, false, "/boot", true, -1, 1);
    GrubbyCfg::NewKernel k;
    k.kernel = "/boot/vmlinuz-c";
    k.title = "C";
    k.initrd = "/boot/initrd-c.img";
    k.args = "ro debug";
    k.index = 1;
    k.template_index = t;
    ASSERT_TRUE(cfg.add_kernel(k, "/boot"));
    auto text = cfg.write().text;
    EXPECT_NE(text.find("menuentry 'C' --class gnu-linux {\n\tlinuxefi /vmlinuz-c root=/dev/sda1 ro debug\n"
                        "\tinitrd16 /initrd-c.img\n}\n"),
              std::string::npos)
        << text; // grubby's x86 rule for an initrd the template lacks
    EXPECT_NE(text.find("set default=\"2\""), std::string::npos);
    // No usable template.
    auto none = GrubbyCfg::parse("menuentry 'x' {\n}\n");
    EXPECT_EQ(none.find_template("", false, true), std::nullopt);
    EXPECT_EQ(none.take_diagnostics(), "grubby fatal error: unable to find a suitable template\n");
}

TEST(GrubbyCfg, DebugTraceWhenTheKernelIsMissing) {
    GrubbyHost host;
    host.debug = true;
    host.command_line = "--default-kernel --debug";
    host.readable = [](const std::string& p) { return p == "/boot/vmlinuz-b"; };
    auto cfg = GrubbyCfg::parse(kSmall, host);
    EXPECT_EQ(cfg.find_template("/boot", false, false), 1);
    EXPECT_EQ(cfg.take_diagnostics(), "");
    cfg.set_default_index(0);
    EXPECT_EQ(cfg.default_kernel_text("/boot", false), "/boot/vmlinuz-a\n");
    EXPECT_EQ(cfg.take_diagnostics(),
              "DBG: command line: --default-kernel --debug\n"
              "DBG: Image entry failed: access to /boot/vmlinuz-a failed\n"
              "DBG: menuentry 'A' --class gnu-linux { \n" // grubby's trace shows the blank before {
              "DBG: \tlinux\t/vmlinuz-a root=/dev/sda1 ro quiet\n"
              "DBG: \tinitrd\t/initrd-a.img /ucode.img\n"
              "DBG: }\n");
}

TEST(GrubbyCfg, SplitArgsLikePopt) {
    using V = std::vector<std::string>;
    EXPECT_EQ(grubby_split_args("a  b\tc"), (V {"a", "b", "c"}));
    EXPECT_EQ(grubby_split_args("x='a b' \"c\\\"d\" e\\ f"), (V {"x=a b", "c\"d", "e f"}));
    EXPECT_EQ(grubby_split_args("'a\\b'"), (V {"a\\b"}));
    EXPECT_EQ(grubby_split_args(""), std::nullopt);
    EXPECT_EQ(grubby_split_args("''"), std::nullopt);
    EXPECT_EQ(grubby_split_args("a\\"), std::nullopt);
}

TEST(GrubbyCfg, Problems) {
    EXPECT_EQ(grubby_cfg_problem(slurp("grub2.1")), std::nullopt);
    EXPECT_NE(grubby_cfg_problem(std::string("menuentry 'x' {\n\0}\n", 18)), std::nullopt);
    EXPECT_NE(grubby_cfg_problem("menuentry 'x' {\n"), std::nullopt);
    EXPECT_NE(grubby_cfg_problem("menuentry 'x {\n}\n"), std::nullopt);
    // Whatever the input, parsing and writing never fail.
    std::string noise;
    for (int i = 0; i < 20000; ++i)
        noise += static_cast<char>((i * 131 + i / 7) % 256);
    auto cfg = GrubbyCfg::parse(noise);
    (void)cfg.write();
    (void)cfg.info("ALL", "/boot");
}

// Mangled configurations through every operation: no crash, no exception, and output that
// parses again. (A mangled file would be refused by the front end first; the model itself
// must still hold.)
TEST(GrubbyCfg, SurvivesMangledInput) {
    std::uint32_t seed = 12345;
    auto rnd = [&seed](std::uint32_t n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 8) % n;
    };
    const std::vector<std::string> pieces {"menuentry",
                                           "'",
                                           "\"",
                                           "}",
                                           "{",
                                           "linux",
                                           "initrd16",
                                           "linuxefi",
                                           "set",
                                           "default=",
                                           "=",
                                           "submenu",
                                           "module",
                                           "kernel",
                                           "fallback",
                                           "0",
                                           "root=",
                                           "#",
                                           "echo",
                                           "'Loading ",
                                           "devicetree",
                                           "\t",
                                           " ",
                                           "(hd0)",
                                           "${saved_entry}",
                                           "\"${saved_entry}\""};
    for (const auto& e : fs::directory_iterator(kData)) {
        if (!e.path().filename().string().starts_with("grub2.")) continue;
        std::string base = bootsmith::test::read_file(e.path());
        for (int round = 0; round < 30; ++round) {
            std::string text = base;
            for (int m = 0; m < 12; ++m) {
                std::size_t at = rnd(static_cast<std::uint32_t>(text.size() + 1));
                if (rnd(3) == 0 && at < text.size())
                    text.erase(at, rnd(40));
                else
                    text.insert(at, pieces[rnd(static_cast<std::uint32_t>(pieces.size()))] + (rnd(2) ? " " : "\n"));
            }
            GrubbyHost host;
            host.saved_entry = rnd(2) ? std::optional<std::string>("title") : std::optional<std::string>("1");
            host.mounts = "/dev/sda / btrfs rw,subvol=/ 0 0\n/dev/sda /boot btrfs subvol=/boot6 0 0\n";
            host.efi = rnd(2) == 0;
            host.debug = true;
            host.readable = [&](const std::string&) { return rnd(2) == 0; };
            auto cfg = GrubbyCfg::parse(text, host);
            (void)cfg.info("ALL", "/boot");
            (void)cfg.info("DEFAULT", "");
            (void)cfg.default_kernel_text("/boot", false);
            (void)cfg.default_title_text();
            auto t = cfg.find_template("/boot", false, rnd(2) == 0);
            cfg.remove(rnd(2) ? "TITLE=title" : "1,3", "/boot");
            cfg.set_default(true, rnd(2) ? std::optional<std::string>("DEFAULT") : std::nullopt, rnd(4) == 0, "/boot",
                            true, static_cast<int>(rnd(5)) - 1, static_cast<int>(rnd(4)));
            cfg.set_fallback(true);
            (void)cfg.update_args("ALL", "/boot", "a=1 'b c' root=x", "quiet rhgb=");
            cfg.update_initrd(rnd(2) ? "0" : "ALL", "/boot", "/boot/initrd-x", std::nullopt);
            GrubbyCfg::NewKernel k;
            k.kernel = rnd(2) ? "/boot/vmlinuz-x" : "x";
            k.title = "X";
            k.initrd = "/boot/initrd-x";
            k.extra_initrds = {"/boot/ucode"};
            k.devtree = "/boot/x.dtb";
            k.args = "ro";
            k.index = static_cast<int>(rnd(6)) - 1;
            k.template_index = t;
            (void)cfg.add_kernel(k, "/boot");
            cfg.add_entry("Y", "/vmlinuz-y", {"/i"}, "a b", static_cast<int>(rnd(8)) - 1, "linux16");
            auto w = cfg.write();
            (void)cfg.take_diagnostics();
            (void)GrubbyCfg::parse(w.text).write();
        }
    }
}

// grubby reads `default=` with strtol: more digits than a long holds saturate (a fuzz finding:
// the reader overflowed before it saturated — UBSan in the sanitizer build).
TEST(GrubbyCfg, DefaultNumberTooLongForALongSaturates) {
    const std::string menu = kSmall.substr(kSmall.find("menuentry"));
    const std::string digits(40, '5');
    auto big = GrubbyCfg::parse("set default=\"" + digits + "\"\n" + menu);
    EXPECT_EQ(big.default_index(), INT_MAX);
    auto small = GrubbyCfg::parse("set default=\"-" + digits + "\"\n" + menu);
    EXPECT_EQ(small.default_index(), INT_MIN);
    EXPECT_EQ(GrubbyCfg::parse("set default=\"9223372036854775807\"\n" + menu).default_index(), INT_MAX);
    EXPECT_EQ(GrubbyCfg::parse("set default=\"1\"\n" + menu).default_index(), 1);
}
