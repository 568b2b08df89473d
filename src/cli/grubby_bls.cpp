// grubby-bls mode of `bootsmith grubby`: not written yet (the BLS library comes first).
#include "grubby.hpp"

#include <ostream>

namespace bootsmith::cli {

int run_grubby_bls(const GrubbyOptions&, const Globals&, std::ostream&, std::ostream& err) {
    err << "grubby: BLS entries are not supported yet (use -c FILE to edit a grub.cfg)\n";
    return 1;
}

} // namespace bootsmith::cli
