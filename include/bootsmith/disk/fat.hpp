// A small read-only FAT12/16/32 reader for file systems inside disk images or on block
// devices (the ESP without mounting it). No packaged library fits: libtsk pulls in half a
// forensic suite, FatFs is not in Debian and is built around its own disk-I/O layer, and
// mtools is a text-parsing subprocess (see doc notes on reading FAT without mounting).
//
// Every input is treated as hostile: the BPB is validated, every read stays inside
// [offset, offset + length), cluster chains are guarded against loops and out-of-range
// clusters, and any inconsistency is Error(Exit::data, "<display>: <what is wrong>").
#pragma once

#include "bootsmith/sys/root.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bootsmith::disk {

enum class FatType { fat12, fat16, fat32 };

/// "FAT12", "FAT16" or "FAT32".
std::string_view fat_type_name(FatType t);

/// One file or directory of a FAT file system.
struct FatDirEntry {
    std::string name;       ///< the long (VFAT) name when present, else the 8.3 name with NTRes case flags
    std::string short_name; ///< the 8.3 name as stored ("SHIMX64.EFI")
    bool directory = false;
    std::uint32_t size = 0;          ///< bytes (0 for directories)
    std::uint32_t first_cluster = 0; ///< 0 for an empty file (and the FAT12/16 root directory)
    std::uint8_t attributes = 0;     ///< 0x01 read-only, 0x02 hidden, 0x04 system, 0x10 directory, 0x20 archive
};

/// A FAT file system at `offset` inside a file. Holds a reference to the file: the
/// ReadFile must outlive the volume. Not thread-safe (a FAT window and the directories read
/// are cached: the volume reads the file system as it was when first looked at).
class FatVolume {
public:
    /// Reads and validates the boot sector. `length` is the size of the partition (the file
    /// system must fit inside it and inside the file); `display` names it in messages
    /// ("/dev/sda1", "disk.img@1048576"). Error(data) when it is not a usable FAT.
    static FatVolume open(const sys::ReadFile& file, std::uint64_t offset, std::uint64_t length, std::string display);

    FatType type() const { return type_; }
    std::uint32_t cluster_count() const { return clusters_; }
    std::uint32_t cluster_size() const { return cluster_bytes_; }
    /// The volume label: the root directory's label entry, else the BPB's; "" when none
    /// ("NO NAME"). Trailing spaces removed.
    std::string label() const;
    /// The BPB volume serial number (0 when the extended boot signature is missing).
    std::uint32_t volume_id() const { return volume_id_; }
    /// The serial number as blkid shows it: "7A3E-21C4".
    std::string uuid() const;

    /// Entries of a directory in on-disk order, without ".", "..", deleted entries and
    /// volume labels. Error(no_input) when the path does not exist, Error(data) when it is a
    /// file or the directory is corrupt.
    std::vector<FatDirEntry> list(std::string_view dir_path) const;
    /// The entry at `path` ('/' or '\\' separated, case-insensitive on long and short names);
    /// nullopt when it does not exist. "/" is the root directory.
    std::optional<FatDirEntry> stat(std::string_view path) const;
    /// The whole content of a file. Error(no_input) when missing, Error(data) when it is a
    /// directory, larger than `max` bytes, or its cluster chain is broken.
    std::string read(std::string_view path, std::size_t max = 64u << 20) const;

private:
    FatVolume(const sys::ReadFile& file, std::string display) : file_(&file), display_(std::move(display)) {}

    [[noreturn]] void fail(const std::string& what) const;
    /// `len` bytes at `pos` (relative to the file system start); all of them, or Error(data).
    std::string bytes(std::uint64_t pos, std::size_t len) const;
    std::uint32_t fat_entry(std::uint32_t cluster) const;
    /// The chain starting at `first`: at most `limit` clusters (loop and range checked).
    std::vector<std::uint32_t> chain(std::uint32_t first, std::uint32_t limit, std::string_view what) const;
    /// Reads clusters, merging runs of consecutive ones into one read.
    std::string read_clusters(const std::vector<std::uint32_t>& clusters, std::uint64_t len) const;
    /// Raw bytes of a directory: the fixed FAT12/16 root region, or a cluster chain.
    std::string directory_bytes(std::uint32_t first_cluster, std::string_view what) const;
    std::vector<FatDirEntry> parse_directory(const std::string& raw, std::string_view what,
                                             std::string* label = nullptr) const;
    /// The entries of the directory at `first_cluster` (0: the FAT12/16 root), parsed once and
    /// kept: a lookup walks every directory on its path, and the files bootsmith reads from an
    /// ESP share their directories. Valid until the next call.
    const std::vector<FatDirEntry>& directory(std::uint32_t first_cluster, std::string_view what) const;
    FatDirEntry root_entry() const;

    const sys::ReadFile* file_;
    std::string display_;
    std::uint64_t offset_ = 0;
    std::uint64_t length_ = 0; ///< bytes of the file system that may be read
    FatType type_ = FatType::fat32;
    std::uint32_t bytes_per_sector_ = 512;
    std::uint32_t cluster_bytes_ = 512;
    std::uint32_t clusters_ = 0;
    std::uint64_t fat_start_ = 0;  ///< bytes, of the active FAT
    std::uint64_t fat_bytes_ = 0;  ///< bytes of one FAT
    std::uint64_t root_start_ = 0; ///< bytes (FAT12/16 fixed root)
    std::uint32_t root_entries_ = 0;
    std::uint32_t root_cluster_ = 0; ///< FAT32
    std::uint64_t data_start_ = 0;   ///< bytes
    std::uint32_t volume_id_ = 0;
    std::string bpb_label_;
    mutable std::string fat_window_;
    /// Directories parsed so far, by first cluster; emptied when they hold more than
    /// kMaxDirEntries entries in all.
    mutable std::vector<std::pair<std::uint32_t, std::vector<FatDirEntry>>> directories_;
    mutable std::size_t directory_entries_ = 0;
    mutable std::uint64_t fat_window_start_ = 0;
};

} // namespace bootsmith::disk
