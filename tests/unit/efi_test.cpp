// Load options, device paths, the boot-variable model and its edits.
#include "bootsmith/efi/boot_manager.hpp"
#include "bootsmith/efi/load_option.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/sys/system.hpp"
#include "bootsmith/text.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

using namespace bootsmith;
using bootsmith::test::code_of;
using bootsmith::test::TempDir;
using efi::Bytes;

namespace {

Bytes from_hex(const std::string& h) {
    std::string raw;
    EXPECT_TRUE(unhex(h, raw)) << h;
    return Bytes(raw.begin(), raw.end());
}

/// The bytes efibootmgr 17 wrote for `efibootmgr -c -d /dev/loop0 -p 1 -L test -l
/// '\EFI\test\grubx64.efi'` (uefi.md §2, observed with the real tool), without the
/// 4-byte efivarfs attribute header.
const std::string kWorkedExample = "01000000"
                                   "5e00"
                                   "7400650073007400"
                                   "0000"
                                   "04012a00"
                                   "01000000"
                                   "0008000000000000"
                                   "a086010000000000"
                                   "151e3ce70e4b47a5bc6a505656e1e1ba"
                                   "0202"
                                   "04043000"
                                   "5c00450046004900"
                                   "5c00740065007300"
                                   "74005c0067007200"
                                   "7500620078003600"
                                   "34002e0065006600"
                                   "69000000"
                                   "7fff0400";

sys::Variable var(const std::string& name, const Bytes& data) {
    return {{name, sys::kGlobalGuid}, 7, data};
}

Bytes u16s(std::initializer_list<std::uint16_t> v) {
    Bytes b;
    for (auto n : v) {
        b.push_back(static_cast<std::uint8_t>(n & 0xff));
        b.push_back(static_cast<std::uint8_t>(n >> 8));
    }
    return b;
}

/// A load option for HD(1,GPT,…)/File(loader).
Bytes option(const std::string& desc, const std::string& loader, bool active = true, Bytes data = {}) {
    efi::HardDrive hd {1, 2048, 81920, 2, 2, "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d"};
    efi::LoadOption o;
    o.attributes = active ? 1 : 0;
    o.description = desc;
    o.path = efi::make_hd_file_path(hd, loader);
    o.optional_data = std::move(data);
    return o.serialize();
}

/// A root with a set of boot variables.
struct Machine {
    TempDir dir;
    std::unique_ptr<sys::System> sys;
    explicit Machine(const std::vector<sys::Variable>& vars) {
        std::filesystem::create_directories(dir / test::kEfivars);
        sys = std::make_unique<sys::System>(dir.path());
        for (const auto& v : vars)
            sys->vars().set(v);
    }
    efi::BootState state() const { return efi::load_boot_state(sys->vars()); }
};

std::vector<std::string> change_names(const sys::Plan& p) {
    std::vector<std::string> out;
    for (const auto& c : p.changes) {
        const auto& v = std::get<sys::VarChange>(c);
        out.push_back((v.after ? "set " : "delete ") + v.id.name);
    }
    return out;
}

} // namespace

TEST(LoadOption, ParsesWhatEfibootmgrWrote) {
    auto p = efi::parse_load_option(from_hex(kWorkedExample));
    ASSERT_TRUE(p.option) << p.error;
    EXPECT_EQ(p.option->attributes, 1u);
    EXPECT_TRUE(p.option->active());
    EXPECT_EQ(p.option->description, "test");
    EXPECT_TRUE(p.option->optional_data.empty());
    auto dp = efi::describe_device_path(p.option->path);
    EXPECT_EQ(dp.text, "HD(1,GPT,e73c1e15-4b0e-a547-bc6a-505656e1e1ba,0x800,0x186a0)/File(\\EFI\\test\\grubx64.efi)");
    ASSERT_TRUE(dp.hard_drive);
    EXPECT_EQ(dp.hard_drive->partition, 1u);
    EXPECT_EQ(dp.hard_drive->start, 0x800u);
    EXPECT_EQ(dp.hard_drive->size, 0x186a0u);
    EXPECT_EQ(dp.hard_drive->format_name(), "GPT");
    EXPECT_EQ(dp.hard_drive->signature, "e73c1e15-4b0e-a547-bc6a-505656e1e1ba");
    EXPECT_EQ(dp.file, "\\EFI\\test\\grubx64.efi");
}

TEST(LoadOption, BuildsTheSameBytesAsEfibootmgr) {
    efi::HardDrive hd {1, 0x800, 0x186a0, 2, 2, "e73c1e15-4b0e-a547-bc6a-505656e1e1ba"};
    efi::LoadOption o;
    o.attributes = efi::load_attr::active;
    o.description = "test";
    o.path = efi::make_hd_file_path(hd, "\\EFI\\test\\grubx64.efi");
    EXPECT_EQ(hex(o.serialize()), kWorkedExample);
}

TEST(LoadOption, MbrSignature) {
    efi::HardDrive hd {2, 0x800, 0x100000, 1, 1, "0x1234abcd"};
    auto path = efi::make_hd_file_path(hd, "\\EFI\\x.efi");
    EXPECT_EQ(efi::check_device_path(path), "");
    EXPECT_EQ(efi::describe_device_path(path).text, "HD(2,MBR,0x1234abcd,0x800,0x100000)/File(\\EFI\\x.efi)");
}

TEST(LoadOption, CorruptOptionsAreReasonsNotCrashes) {
    const Bytes good = from_hex(kWorkedExample);
    struct Case {
        Bytes data;
        std::string reason;
    };
    Bytes no_nul = from_hex("01000000"
                            "0400"
                            "74006500");
    Bytes past_end = good;
    past_end[4] = 0xff; // FilePathListLength 255
    Bytes zero_node = from_hex("01000000"
                               "0800"
                               "4100"
                               "0000"
                               "04010000"
                               "7fff0400");
    Bytes no_end = from_hex("01000000"
                            "0400"
                            "0000"
                            "01010600");
    no_end.resize(no_end.size()); // Pci node claims 6 bytes, only 4 present
    Bytes missing_end = from_hex("01000000"
                                 "0600"
                                 "0000"
                                 "010106000002");
    Bytes trailing = from_hex("01000000"
                              "0800"
                              "0000"
                              "7fff0400"
                              "7fff0400");
    std::vector<Case> cases = {
        {{}, "shorter than the 6-byte"},
        {from_hex("0100"), "shorter than the 6-byte"},
        {no_nul, "no terminating NUL"},
        {past_end, "FilePathListLength 255 runs past the end"},
        {zero_node, "has length 0"},
        {no_end, "runs past the end"},
        {missing_end, "no End node"},
        {trailing, "after the End node"},
        {from_hex("01000000"
                  "0000"
                  "0000"),
         "empty device path"},
    };
    for (const auto& c : cases) {
        auto p = efi::parse_load_option(c.data);
        EXPECT_FALSE(p.option) << hex(c.data);
        EXPECT_NE(p.error.find(c.reason), std::string::npos) << p.error;
    }
}

TEST(OptionalData, ReadsAsTextOnlyWhenItIsText) {
    auto t = efi::optional_data_text(from_hex("5c0066007700750070006400780036003400"
                                              "2e00650066006900"
                                              "0000"));
    EXPECT_EQ(t.encoding, "ucs2");
    EXPECT_EQ(t.text, "\\fwupdx64.efi");
    auto a = efi::optional_data_text(Bytes {'r', 'o', 'o', 't', '=', '/', 'x', 0, 0});
    EXPECT_EQ(a.encoding, "ascii");
    EXPECT_EQ(a.text, "root=/x");
    // OVMF's 16 bytes of binary decode as "printable" CJK; they are not text.
    EXPECT_FALSE(efi::optional_data_text(from_hex("4eac0881119f594d850ee21a522c59b2")).text);
    EXPECT_FALSE(efi::optional_data_text(from_hex("0000424f")).text); // AMI's "..BO"
    EXPECT_FALSE(efi::optional_data_text({}).text);
    EXPECT_EQ(efi::efibootmgr_data_text(from_hex("0109204172747f80ff0a00")), ".. Art\x7f....");
}

TEST(Description, Checks) {
    EXPECT_EQ(efi::check_description("Debian GNU/Linux"), "");
    EXPECT_EQ(efi::check_description("Grüße"), "");
    EXPECT_NE(efi::check_description(std::string(1025, 'x')), "");
    EXPECT_NE(efi::check_description("tab\there"), "");
    EXPECT_NE(efi::check_description("\xf0\x9f\x98\x80"), ""); // outside the BMP
    EXPECT_NE(efi::check_description("\xff"), "");
}

TEST(Loader, PathsAreNormalisedOrRefused) {
    std::vector<std::string> notes;
    EXPECT_EQ(efi::normalise_loader("\\EFI\\debian\\shimx64.efi", notes), "\\EFI\\debian\\shimx64.efi");
    EXPECT_TRUE(notes.empty());
    EXPECT_EQ(efi::normalise_loader("/EFI/debian/shimx64.efi", notes), "\\EFI\\debian\\shimx64.efi");
    EXPECT_EQ(notes.size(), 1u);
    EXPECT_EQ(efi::normalise_loader("EFI\\x.efi", notes), "\\EFI\\x.efi");
    EXPECT_EQ(code_of([&] { efi::normalise_loader("", notes); }), Exit::usage);
    EXPECT_EQ(code_of([&] { efi::normalise_loader("\\EFI\\..\\x.efi", notes); }), Exit::usage);
    EXPECT_EQ(code_of([&] { efi::normalise_loader("\\EFI\\", notes); }), Exit::usage);
    EXPECT_EQ(code_of([&] { efi::normalise_loader("\\EFI\\\\x.efi", notes); }), Exit::usage);
}

TEST(Numbers, ParseAndFormat) {
    EXPECT_EQ(efi::parse_number("1"), 1);
    EXPECT_EQ(efi::parse_number("0001"), 1);
    EXPECT_EQ(efi::parse_number("Boot000d"), 0xd);
    EXPECT_EQ(efi::parse_number("ffff"), 0xffff);
    EXPECT_FALSE(efi::parse_number("10000"));
    EXPECT_FALSE(efi::parse_number(""));
    EXPECT_FALSE(efi::parse_number("xyz"));
    EXPECT_FALSE(efi::parse_number("-1"));
    EXPECT_EQ(efi::number_text(0xd), "000D");
    EXPECT_EQ(efi::order_text({0, 0x1a}), "0000,001A");
}

TEST(BootState, ReadsEntriesLookAlikesAndProblems) {
    Machine m({var("BootOrder", u16s({1, 0, 7})), var("BootCurrent", u16s({1})), var("Timeout", u16s({5})),
               var("BootNext", Bytes {1, 0, 0}), var("Boot0000", option("zero", "\\a.efi")),
               var("Boot0001", option("one", "\\b.efi")), var("Boot000a", option("lower", "\\c.efi")),
               var("Boot0003", Bytes {1, 0}), var("Boot000d_BbsIndex", option("bbs", "\\d.efi"))});
    auto s = m.state();
    EXPECT_EQ(s.current, 1);
    EXPECT_EQ(s.timeout, 5);
    EXPECT_FALSE(s.next); // 3 bytes: a problem, not a value
    ASSERT_EQ(s.entries.size(), 5u);
    EXPECT_EQ(s.entries[0].name, "Boot0000");
    EXPECT_EQ(s.entries[2].name, "Boot0003");
    EXPECT_FALSE(s.entries[2].option);
    EXPECT_NE(s.entries[2].corrupt.find("shorter"), std::string::npos);
    EXPECT_FALSE(s.find_name("Boot000a")->compliant());
    EXPECT_FALSE(s.find_name("Boot000d_BbsIndex")->compliant());
    EXPECT_TRUE(s.number_taken(0xa)); // lowercase spelling still takes the number
    EXPECT_EQ(efi::first_free_number(s), 2);
    auto l = s.listing();
    ASSERT_EQ(l.size(), 5u);
    EXPECT_EQ(l[0]->name, "Boot0001"); // BootOrder first
    EXPECT_EQ(l[1]->name, "Boot0000");
    EXPECT_EQ(s.problems.size(), 1u);
    EXPECT_EQ(&s.resolve("1"), s.find(1));
    EXPECT_EQ(&s.resolve("Boot000d_BbsIndex"), s.find_name("Boot000d_BbsIndex"));
    EXPECT_EQ(code_of([&] { s.resolve("0042"); }), Exit::no_input);
    EXPECT_EQ(code_of([&] { s.resolve("nonsense!"); }), Exit::usage);
}

TEST(BootEdits, CreateWritesTheEntryBeforeBootOrder) {
    Machine m({var("BootOrder", u16s({0})), var("Boot0000", option("zero", "\\a.efi"))});
    efi::CreateSpec spec;
    spec.hd = {1, 2048, 81920, 2, 2, "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d"};
    spec.loader = "\\EFI\\new.efi";
    spec.label = "new";
    std::uint16_t n = 0;
    auto p = efi::plan_create(m.state(), spec, n);
    EXPECT_EQ(n, 1);
    EXPECT_EQ(change_names(p), (std::vector<std::string> {"set Boot0001", "set BootOrder"}));
    sys::apply(*m.sys, p);
    auto s = m.state();
    EXPECT_EQ(*s.order, (std::vector<std::uint16_t> {1, 0}));
    EXPECT_EQ(s.find(1)->option->description, "new");

    spec.position = "last";
    spec.label = "dup";
    EXPECT_EQ(code_of([&] { efi::plan_create(s, spec, n); }), Exit::refused); // same device path
    spec.allow_duplicate = true;
    p = efi::plan_create(s, spec, n);
    sys::apply(*m.sys, p);
    EXPECT_EQ(*m.state().order, (std::vector<std::uint16_t> {1, 0, 2}));
    spec.position = "sideways";
    EXPECT_EQ(code_of([&] { efi::plan_create(m.state(), spec, n); }), Exit::usage);
}

TEST(BootEdits, DeleteLeavesBootOrderBeforeTheVariable) {
    Machine m({var("BootOrder", u16s({1, 0})), var("BootNext", u16s({1})), var("BootCurrent", u16s({0})),
               var("Boot0000", option("zero", "\\a.efi")), var("Boot0001", option("one", "\\b.efi"))});
    auto s = m.state();
    auto p = efi::plan_delete(s, {s.find(1)}, false);
    EXPECT_EQ(change_names(p), (std::vector<std::string> {"delete BootNext", "set BootOrder", "delete Boot0001"}));
    EXPECT_EQ(code_of([&] { efi::plan_delete(s, {s.find(0)}, false); }), Exit::refused); // BootCurrent
    auto forced = efi::plan_delete(s, {s.find(0), s.find(1)}, true);
    // Deleting every entry deletes BootOrder instead of writing an empty one.
    EXPECT_EQ(change_names(forced),
              (std::vector<std::string> {"delete BootNext", "delete BootOrder", "delete Boot0000", "delete Boot0001"}));
}

TEST(BootEdits, OrderNextTimeout) {
    Machine m({var("BootOrder", u16s({0, 1, 9})), var("Boot0000", option("zero", "\\a.efi")),
               var("Boot0001", option("one", "\\b.efi"))});
    auto s = m.state();
    EXPECT_EQ(code_of([&] { efi::plan_order(s, {0, 0}); }), Exit::usage);
    EXPECT_EQ(code_of([&] { efi::plan_order(s, {0, 5}); }), Exit::no_input);
    EXPECT_EQ(code_of([&] { efi::plan_order(s, {}); }), Exit::usage);
    sys::apply(*m.sys, efi::plan_remove_stale(s));
    EXPECT_EQ(*m.state().order, (std::vector<std::uint16_t> {0, 1}));
    sys::apply(*m.sys, efi::plan_order_first(m.state(), 1));
    EXPECT_EQ(*m.state().order, (std::vector<std::uint16_t> {1, 0}));
    EXPECT_EQ(code_of([&] { efi::plan_next(m.state(), 7); }), Exit::no_input);
    sys::apply(*m.sys, efi::plan_next(m.state(), 0));
    EXPECT_EQ(m.state().next, 0);
    sys::apply(*m.sys, efi::plan_next(m.state(), std::nullopt));
    EXPECT_FALSE(m.state().next_var);
    sys::apply(*m.sys, efi::plan_timeout(m.state(), 65535));
    EXPECT_EQ(m.state().timeout, 65535);
}

TEST(BootEdits, EnableRenameSetDataKeepTheRest) {
    Machine m({var("Boot0000", option("zero", "\\a.efi", false, Bytes {1, 2, 3}))});
    auto s = m.state();
    const auto& e = *s.find(0);
    auto on = efi::plan_set_active(s, {&e}, true);
    sys::apply(*m.sys, on);
    auto after = m.state().find(0)->var.data;
    Bytes expect = e.var.data;
    expect[0] |= 1;
    EXPECT_EQ(after, expect);                                                        // one bit, nothing else
    EXPECT_TRUE(efi::plan_set_active(m.state(), {m.state().find(0)}, true).empty()); // already active

    sys::apply(*m.sys, efi::plan_rename(m.state(), *m.state().find(0), "renamed"));
    auto r = *m.state().find(0)->option;
    EXPECT_EQ(r.description, "renamed");
    EXPECT_EQ(r.path, e.option->path);
    EXPECT_EQ(r.optional_data, (Bytes {1, 2, 3}));

    sys::apply(*m.sys, efi::plan_set_data(m.state(), *m.state().find(0), Bytes {9}));
    EXPECT_EQ(m.state().find(0)->option->optional_data, Bytes {9});
    EXPECT_EQ(m.state().find(0)->option->description, "renamed");
}

TEST(BootEdits, DedupeKeepsTheFirstAndBootCurrent) {
    Machine m({var("BootOrder", u16s({0, 1, 2, 3})), var("BootCurrent", u16s({3})),
               var("Boot0000", option("a", "\\a.efi")), var("Boot0001", option("a again", "\\a.efi")),
               var("Boot0002", option("b", "\\b.efi")), var("Boot0003", option("b, booted", "\\b.efi"))});
    auto p = efi::plan_dedupe(m.state());
    sys::apply(*m.sys, p);
    auto s = m.state();
    EXPECT_EQ(*s.order, (std::vector<std::uint16_t> {0, 3}));
    EXPECT_TRUE(s.find(0) && s.find(3) && !s.find(1) && !s.find(2));
}

TEST(BootEdits, BackupRestoreRoundTrip) {
    Machine m({var("BootOrder", u16s({1, 0})), var("Timeout", u16s({3})), var("Boot0000", option("zero", "\\a.efi")),
               var("Boot0001", option("one", "\\b.efi"))});
    auto before = test::snapshot(m.dir / test::kEfivars);
    Json backup = efi::make_backup(m.state());
    EXPECT_EQ(backup["schema"], "bootsmith.efi-backup/1");
    EXPECT_EQ(backup["variables"].size(), 4u);

    std::uint16_t n = 0;
    efi::CreateSpec spec;
    spec.hd = {1, 2048, 81920, 2, 2, "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d"};
    spec.loader = "\\x.efi";
    spec.label = "extra";
    sys::apply(*m.sys, efi::plan_create(m.state(), spec, n));
    sys::apply(*m.sys, efi::plan_timeout(m.state(), std::nullopt));
    sys::apply(*m.sys, efi::plan_rename(m.state(), *m.state().find(0), "changed"));

    auto p = efi::plan_restore(m.state(), backup, "backup.json");
    // Entries first, BootOrder before the extra entry goes.
    EXPECT_EQ(change_names(p),
              (std::vector<std::string> {"set Boot0000", "set BootOrder", "set Timeout", "delete Boot0002"}));
    sys::apply(*m.sys, p);
    EXPECT_EQ(test::snapshot(m.dir / test::kEfivars), before);

    EXPECT_EQ(code_of([&] { efi::plan_restore(m.state(), Json::object(), "x"); }), Exit::data);
    Json bad = backup;
    bad["variables"][0]["data_hex"] = "zz";
    EXPECT_EQ(code_of([&] { efi::plan_restore(m.state(), bad, "x"); }), Exit::data);
}

// libefivar's formatters read each node as its C struct; a node shorter than its type
// must never reach them. Every node is placed so that it ends at a page followed by an
// inaccessible one: a read past it crashes this test.
TEST(DevicePath, FormatterNeverReadsPastANode) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    void* mem = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mem, MAP_FAILED);
    ASSERT_EQ(::mprotect(static_cast<char*>(mem) + page, page, PROT_NONE), 0);
    auto* end = static_cast<std::uint8_t*>(mem) + page;
    const Bytes uart = from_hex("9d9a49372f54894ca02635da142094e4");
    const Bytes sas = from_hex("b4dd87d48b00d911afdc001083ffca4d");
    std::size_t formatted = 0, refused = 0;
    auto probe = [&](std::uint8_t type, std::uint8_t sub, std::size_t len, std::uint8_t fill, const Bytes* guid) {
        std::uint8_t* node = end - len;
        std::memset(node, fill, len);
        node[0] = type;
        node[1] = sub;
        node[2] = static_cast<std::uint8_t>(len & 0xff);
        node[3] = static_cast<std::uint8_t>(len >> 8);
        if (guid != nullptr && len >= 20) std::memcpy(node + 4, guid->data(), 16);
        efi::ByteView view(node, len);
        auto text = efi::format_path(view);
        (text ? formatted : refused) += 1;
        (void)efi::describe_device_path(view);
        (void)efi::check_device_path(view);
    };
    for (std::uint8_t type = 1; type <= 5; ++type)
        for (std::uint8_t sub = 0; sub <= 0x21; ++sub)
            for (std::size_t len = 4; len <= 72; ++len)
                for (std::uint8_t fill : {0x00, 0x41, 0xff})
                    probe(type, sub, len, fill, nullptr);
    for (std::size_t len = 4; len <= 72; ++len)
        for (std::uint8_t fill : {0x00, 0x41}) {
            probe(3, 0x0a, len, fill, &uart);
            probe(3, 0x0a, len, fill, &sas);
        }
    ::munmap(mem, 2 * page);
    EXPECT_GT(formatted, 1000u);
    EXPECT_GT(refused, 1000u);
}

TEST(DevicePath, ShortKnownNodesAreCorrupt) {
    // The two crashes found in review: a 4-byte File() and a 4-byte HD() node.
    auto file4 = from_hex("01000000"
                          "0800"
                          "4100"
                          "0000"
                          "04040400"
                          "7fff0400");
    auto hd4 = from_hex("01000000"
                        "0800"
                        "4100"
                        "0000"
                        "04010400"
                        "7fff0400");
    for (const auto& data : {file4, hd4}) {
        auto p = efi::parse_load_option(data);
        EXPECT_FALSE(p.option);
        EXPECT_NE(p.error.find("too short for its type"), std::string::npos) << p.error;
    }
}

TEST(LoadOption, DescriptionsOutsideLatin1RoundTrip) {
    // libefiboot's encoder turned 日本 into U+1DE5 U+1F2C (found in review); ours must not.
    efi::LoadOption o;
    o.description = "Débian 日本 x";
    o.path = efi::make_hd_file_path({1, 2048, 81920, 2, 2, "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d"}, "\\x.efi");
    auto p = efi::parse_load_option(o.serialize());
    ASSERT_TRUE(p.option) << p.error;
    EXPECT_EQ(p.option->description, "Débian 日本 x");
    Bytes bytes = o.serialize();
    EXPECT_EQ(hex(Bytes(bytes.begin() + 6, bytes.begin() + 10)), "4400e900"); // "Dé" in UCS-2
}

TEST(BootEdits, CreateNeverDuplicatesANumberInBootOrder) {
    // BootOrder names 0001, whose variable is missing: the new entry takes number 1.
    Machine m({var("BootOrder", u16s({0, 1, 2})), var("Boot0000", option("zero", "\\a.efi")),
               var("Boot0002", option("two", "\\c.efi"))});
    efi::CreateSpec spec;
    spec.hd = {1, 2048, 81920, 2, 2, "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d"};
    spec.loader = "\\new.efi";
    spec.label = "new";
    std::uint16_t n = 0;
    sys::apply(*m.sys, efi::plan_create(m.state(), spec, n));
    EXPECT_EQ(n, 1);
    EXPECT_EQ(*m.state().order, (std::vector<std::uint16_t> {1, 0, 2}));
}

TEST(BootEdits, CreateFinishesAnInterruptedCreate) {
    // A create that died between its two writes left Boot0001 written and out of BootOrder:
    // the same create again puts it in BootOrder (one change) instead of refusing it.
    Machine m({var("BootOrder", u16s({0})), var("Boot0000", option("zero", "\\a.efi"))});
    efi::CreateSpec spec;
    spec.hd = {1, 2048, 81920, 2, 2, "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d"};
    spec.loader = "\\new.efi";
    spec.label = "new";
    std::uint16_t n = 0;
    sys::Plan first = efi::plan_create(m.state(), spec, n);
    ASSERT_EQ(first.changes.size(), 2u);
    first.changes.resize(1); // the Boot#### variable only
    sys::apply(*m.sys, first);
    std::uint16_t again = 0;
    auto p = efi::plan_create(m.state(), spec, again);
    EXPECT_EQ(again, n);
    ASSERT_EQ(p.changes.size(), 1u);
    sys::apply(*m.sys, p);
    EXPECT_EQ(*m.state().order, (std::vector<std::uint16_t> {1, 0}));
    // Done: now it is a duplicate, refused as before.
    EXPECT_EQ(code_of([&] { efi::plan_create(m.state(), spec, again); }), Exit::refused);
    // Another label is another entry: refused as a duplicate path, not adopted.
    Machine m2({var("BootOrder", u16s({0})), var("Boot0000", option("zero", "\\a.efi"))});
    sys::Plan half = efi::plan_create(m2.state(), spec, n);
    half.changes.resize(1);
    sys::apply(*m2.sys, half);
    spec.label = "other";
    EXPECT_EQ(code_of([&] { efi::plan_create(m2.state(), spec, again); }), Exit::refused);
}

TEST(BootEdits, RestoreKeepsEntriesThatAreCorruptInTheBackup) {
    Machine m(
        {var("BootOrder", u16s({0, 1})), var("Boot0000", option("zero", "\\a.efi")), var("Boot0001", Bytes {1, 0})});
    Json backup = efi::make_backup(m.state());
    auto p = efi::plan_restore(m.state(), backup, "b.json");
    EXPECT_TRUE(p.empty()) << change_names(p).size(); // nothing to do; above all, Boot0001 stays
    EXPECT_EQ(p.notes.size(), 1u);
}

TEST(BootEdits, RestoreRefusesMalformedBackupsAsData) {
    Machine m({var("Boot0000", option("zero", "\\a.efi"))});
    Json good = efi::make_backup(m.state());
    auto bad = [&](const std::function<void(Json&)>& f) {
        Json j = good;
        f(j);
        return code_of([&] { efi::plan_restore(m.state(), j, "b.json"); });
    };
    EXPECT_EQ(bad([](Json& j) { j["schema"] = 1; }), Exit::data);
    EXPECT_EQ(bad([](Json& j) { j["variables"][0]["guid"] = 7; }), Exit::data);
    EXPECT_EQ(bad([](Json& j) { j["variables"][0]["name"] = "BootOrderX"; }), Exit::data);
    // A name that would walk out of the variable directory never reaches the file system.
    Json escape = good;
    escape["variables"][0]["name"] = "Boot0000/../../../../etc/cron.d/evil";
    auto p = efi::plan_restore(m.state(), escape, "b.json");
    EXPECT_EQ(code_of([&] { sys::apply(*m.sys, p); }), Exit::data);
    EXPECT_FALSE(test::exists(m.dir / "etc/cron.d"));
}
