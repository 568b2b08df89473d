#include "bootsmith/disk/partition_table.hpp"

#include "bootsmith/error.hpp"

#include <blkid/blkid.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace bootsmith::disk {

namespace {

struct ProbeDeleter {
    void operator()(blkid_struct_probe* p) const { blkid_free_probe(p); }
};
using Probe = std::unique_ptr<blkid_struct_probe, ProbeDeleter>;

/// The logical sector size: the device's own for block devices; for an image, where the
/// GPT header sits (libblkid assumes 512 for files and would see a 4Kn disk as "PMBR").
unsigned sector_size_of(const sys::ReadFile& f) {
    struct stat st {};
    if (::fstat(f.fd(), &st) == 0 && S_ISBLK(st.st_mode)) {
        int ss = 0;
        if (::ioctl(f.fd(), BLKSSZGET, &ss) == 0 && ss > 0) return static_cast<unsigned>(ss);
        return 512;
    }
    if (f.read_at(512, 8) == "EFI PART") return 512;
    if (f.read_at(4096, 8) == "EFI PART") return 4096;
    return 512;
}

} // namespace

const Partition* PartitionTable::find(std::uint32_t number) const {
    for (const auto& p : partitions)
        if (p.number == number) return &p;
    return nullptr;
}

std::string partition_name(std::string_view disk, std::uint32_t number) {
    std::string d(disk);
    if (!d.empty() && d.back() >= '0' && d.back() <= '9') d += 'p';
    return d + std::to_string(number);
}

PartitionTable read_partition_table(const sys::Root& root, std::string_view device) {
    const std::string what = root.display(device);
    sys::ReadFile f = root.open_read(device);
    std::uint64_t bytes = f.size();
    if (bytes < 1024)
        throw Error(Exit::data, what + ": " + std::to_string(bytes) + " bytes, too small to hold a partition table");

    PartitionTable t;
    t.device = sys::normalise(device);
    t.sector_size = sector_size_of(f);

    Probe pr(blkid_new_probe());
    if (!pr) throw Error(Exit::software, "libblkid: cannot allocate a probe");
    if (blkid_probe_set_device(pr.get(), f.fd(), 0, 0) != 0) throw Error(Exit::io, what + ": libblkid cannot use it");
    blkid_probe_set_sectorsize(pr.get(), t.sector_size);
    blkid_probe_enable_superblocks(pr.get(), 0);
    blkid_probe_enable_partitions(pr.get(), 1);
    blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_ENTRY_DETAILS | BLKID_PARTS_MAGIC);
    int rc = blkid_do_safeprobe(pr.get());
    if (rc == -2) throw Error(Exit::data, what + ": ambiguous partition table (more than one kind found)");
    if (rc < 0) throw Error(Exit::io, what + ": libblkid could not probe it");
    blkid_partlist ls = blkid_probe_get_partitions(pr.get());
    blkid_parttable tab = ls != nullptr ? blkid_partlist_get_table(ls) : nullptr;
    if (rc == 1 || tab == nullptr) throw Error(Exit::data, what + ": no partition table found");

    const char* type = blkid_parttable_get_type(tab);
    t.type = type != nullptr ? type : "";
    if (t.type == "PMBR") throw Error(Exit::data, what + ": protective MBR without a readable GPT");
    const char* id = blkid_parttable_get_id(tab);
    t.id = id != nullptr ? id : "";
    blkid_loff_t off = blkid_parttable_get_offset(tab);
    t.table_offset = off > 0 ? static_cast<std::uint64_t>(off) : 0;

    int n = blkid_partlist_numof_partitions(ls);
    for (int i = 0; i < n; ++i) {
        blkid_partition par = blkid_partlist_get_partition(ls, i);
        if (par == nullptr) continue;
        Partition p;
        p.number = static_cast<std::uint32_t>(blkid_partition_get_partno(par));
        p.start = static_cast<std::uint64_t>(blkid_partition_get_start(par));
        p.size = static_cast<std::uint64_t>(blkid_partition_get_size(par));
        if (const char* ts = blkid_partition_get_type_string(par)) {
            p.type = ts;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "0x%02x", blkid_partition_get_type(par));
            p.type = buf;
        }
        if (const char* u = blkid_partition_get_uuid(par)) p.partuuid = u;
        if (const char* nm = blkid_partition_get_name(par)) p.name = nm;
        p.flags = blkid_partition_get_flags(par);
        t.partitions.push_back(std::move(p));
    }
    return t;
}

} // namespace bootsmith::disk
