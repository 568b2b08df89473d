// `bootsmith grubby ARGS…` (also: the binary invoked as `grubby`): grubby's command line,
// parsed once the way C grubby's popt does, then run in one of two modes:
//  * grub.cfg mode (grubby.cpp): C grubby 8.40 editing grub.cfg menuentries — when -c is
//    given, or the system has no BLS entries;
//  * BLS mode (grubby_bls.cpp): grubby-bls editing boot/loader/entries/*.conf — when the
//    system has BLS entries (or -b DIR is given) and no -c.
#pragma once

#include "app.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace bootsmith::cli {

/// grubby's options as given. Paths are as typed (system paths inside --root; relative ones
/// relative to the working directory on the live root, to the root otherwise).
struct GrubbyOptions {
    std::vector<std::string> argv; ///< grubby's own arguments, in order
    std::string command_line;      ///< argv joined by spaces (grubby's debug trace shows it)

    // Actions
    std::optional<std::string> add_kernel;    ///< --add-kernel=PATH
    std::optional<std::string> remove_kernel; ///< --remove-kernel=SELECTOR
    std::optional<std::string> update_kernel; ///< --update-kernel=SELECTOR
    std::optional<std::string> info;          ///< --info=SELECTOR
    std::optional<std::string> set_default;   ///< --set-default=SELECTOR
    std::optional<int> set_default_index;     ///< --set-default-index=N (popt integer: 0x1f, 010 accepted)
    bool default_kernel = false;              ///< --default-kernel
    bool default_index = false;               ///< --default-index
    bool default_title = false;               ///< --default-title

    // What an added or updated entry gets
    std::optional<std::string> title;       ///< --title
    std::optional<std::string> initrd;      ///< --initrd
    std::vector<std::string> extra_initrds; ///< -i/--extra-initrd (at most 16)
    std::optional<std::string> args;        ///< --args
    std::optional<std::string> remove_args; ///< --remove-args
    std::optional<std::string> devtree;     ///< --devtree / --devtreedir
    bool copy_default = false;              ///< --copy-default
    bool make_default = false;              ///< --make-default
    bool efi = false;                       ///< --efi
    std::optional<int> set_index;           ///< --set-index=N

    // Files and environment
    std::optional<std::string> config_file;     ///< -c/--config-file ("-": stdin)
    std::optional<std::string> output_file;     ///< -o/--output-file ("-": stdout)
    std::optional<std::string> env;             ///< --env (grubenv)
    std::optional<std::string> mounts;          ///< --mounts (a /proc/mounts table)
    std::optional<std::string> boot_filesystem; ///< --boot-filesystem
    std::optional<std::string> bls_directory;   ///< -b/--bls-directory (grubby-bls)

    // Flags
    bool grub2 = false;                     ///< --grub2
    bool bad_image_okay = false;            ///< --bad-image-okay
    bool debug = false;                     ///< --debug
    bool no_etc_grub_update = false;        ///< --no-etc-grub-update (grubby-bls)
    bool bootloader_probe = false;          ///< --bootloader-probe
    std::vector<std::string> other_loaders; ///< --grub, --lilo, --elilo, --extlinux, --silo, --yaboot, --zipl given

    // Multiboot (accepted by the parser; grub.cfg mode refuses them)
    std::optional<std::string> add_multiboot, mbargs, remove_mbargs, remove_multiboot;
};

/// Parses grubby's arguments as popt does (`--opt=value`, `--opt value`, `-cFILE`, `-c FILE`,
/// `--` ends the options). Returns -1 to go on, or the exit code when done: --help and
/// --version print on `out` (0); errors print grubby's one line on `err` (1).
int parse_grubby_options(const std::vector<std::string>& args, GrubbyOptions& o, std::ostream& out, std::ostream& err);

/// grubby-bls mode (grubby_bls.cpp). Returns the exit code.
int run_grubby_bls(const GrubbyOptions& o, const Globals& g, std::ostream& out, std::ostream& err);

} // namespace bootsmith::cli
