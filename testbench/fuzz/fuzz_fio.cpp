// libFuzzer target for the fio job-file parser and the per-job I/O stream:
// any input must either parse or fail with a fio_error — any other
// exception, a crash or a sanitizer report is a bug. For a file that parses,
// each job's stream (on a 1 GiB disk) must keep its documented contract for
// its first I/Os: every I/O inside [region_start, region_end), non-empty,
// a whole number of 512-byte sectors. The input is also read as a data
// pattern (verify_pattern's syntax): it parses or fails with a
// fio_pattern_error, and a buffer filled with a pattern (the jobs' too)
// matches it byte for byte.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "testbench/config/fio.h"

namespace {
void check_pattern(const ddisim::config::fio_pattern& p) {
    if (p.empty()) return;
    if (p.bytes.size() > ddisim::config::fio_pattern_max) std::abort();
    std::vector<std::uint8_t> buf(1500);
    const std::uint64_t off = 0x0123456789abcdefull;
    p.fill(buf.data(), buf.size(), off);
    if (p.first_mismatch(buf.data(), buf.size(), off) != buf.size()) std::abort();
    for (std::size_t i = 0; i < buf.size(); ++i)
        if (buf[i] != p.at(i % p.bytes.size(), off)) std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddisim::config;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        check_pattern(parse_fio_pattern(text, true));
    } catch (const fio_pattern_error& e) {
        if (e.pos > text.size()) std::abort();
    }
    fio_job_file f;
    try {
        f = parse_fio_text(text, "fuzz.fio");
    } catch (const fio_error&) {
        return 0;
    }
    for (const auto& job : f.jobs) {
        check_pattern(job.verify_pattern);
        check_pattern(job.buffer_pattern);
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
