// Partition tables read through libblkid, on block devices and disk-image files alike.
#pragma once

#include "bootsmith/sys/root.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::disk {

struct Partition {
    std::uint32_t number = 0;
    std::uint64_t start = 0; ///< in 512-byte sectors (libblkid's unit, whatever the sector size)
    std::uint64_t size = 0;  ///< in 512-byte sectors
    std::string type;        ///< GPT type GUID (lowercase) or MBR type byte as "0x83"
    std::string partuuid;    ///< lowercase; "" when the table has none (MBR signature 0)
    std::string name;        ///< GPT name
    std::uint64_t flags = 0;
};

struct PartitionTable {
    std::string device; ///< system path as given ("/dev/sda")
    std::string type;   ///< "gpt" or "dos"
    std::string id;     ///< disk GUID, or the MBR signature as 8 hex digits ("" when 0)
    unsigned sector_size = 512;
    std::uint64_t table_offset = 0; ///< bytes; a GPT read from its backup header sits at the end
    std::vector<Partition> partitions;

    const Partition* find(std::uint32_t number) const;
};

/// Reads the partition table of a device or image inside the root. Error(no_input) when
/// the device does not exist, Error(data) when it has no partition table libblkid knows.
PartitionTable read_partition_table(const sys::Root& root, std::string_view device);

/// The kernel's name of partition N of a disk: sda → sda1, nvme0n1 → nvme0n1p1.
std::string partition_name(std::string_view disk, std::uint32_t number);

} // namespace bootsmith::disk
