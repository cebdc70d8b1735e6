// libFuzzer target for the fio job-file parser and the per-job I/O stream:
// any input must either parse or fail with a fio_error — any other
// exception, a crash or a sanitizer report is a bug. For a file that parses,
// each job's stream (on a 1 GiB disk) must keep its documented contract for
// its first I/Os: every I/O inside [region_start, region_end), non-empty,
// a whole number of 512-byte sectors.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "testbench/config/fio.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddisim::config;
    const std::string text(reinterpret_cast<const char*>(data), size);
    fio_job_file f;
    try {
        f = parse_fio_text(text, "fuzz.fio");
    } catch (const fio_error&) {
        return 0;
    }
    for (const auto& job : f.jobs) {
        try {
            fio_stream s(job, 1, std::uint64_t{1} << 30);
            for (int i = 0; i < 256; ++i) {
                const auto io = s.next();
                if (!io) break;
                if (io->length == 0 || io->length % 512 != 0 || io->offset % 512 != 0 ||
                    io->offset < s.region_start() || io->offset + io->length > s.region_end())
                    std::abort();
            }
        } catch (const fio_error&) {
        }
    }
    return 0;
}
