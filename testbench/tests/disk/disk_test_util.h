// Helpers shared by the disk tests: CDB builders, a command runner that keeps
// the simulated time, and sg3_utils decoding through temp files.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "models/disk/scsi_target.h"

namespace disk_test {

using bytes = std::vector<std::uint8_t>;
using namespace ddisim::models;

inline std::uint32_t be32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
inline std::uint64_t be64(const std::uint8_t* p) { return std::uint64_t(be32(p)) << 32 | be32(p + 4); }
inline std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }

inline bytes cdb6(std::uint8_t op, std::uint8_t b1 = 0, std::uint8_t b2 = 0, std::uint8_t b3 = 0, std::uint8_t b4 = 0) {
    return {op, b1, b2, b3, b4, 0};
}
inline bytes inquiry(bool evpd, std::uint8_t page, std::uint16_t alloc) {
    return {0x12, std::uint8_t(evpd ? 1 : 0), page, std::uint8_t(alloc >> 8), std::uint8_t(alloc), 0};
}
inline bytes rw10(std::uint8_t op, std::uint32_t lba, std::uint16_t n, std::uint8_t flags = 0) {
    return {op, flags, std::uint8_t(lba >> 24), std::uint8_t(lba >> 16), std::uint8_t(lba >> 8), std::uint8_t(lba), 0,
            std::uint8_t(n >> 8), std::uint8_t(n), 0};
}
inline bytes rw16(std::uint8_t op, std::uint64_t lba, std::uint32_t n, std::uint8_t flags = 0) {
    bytes c(16, 0);
    c[0] = op;
    c[1] = flags;
    for (int i = 0; i < 8; ++i) c[2 + i] = std::uint8_t(lba >> (56 - 8 * i));
    for (int i = 0; i < 4; ++i) c[10 + i] = std::uint8_t(n >> (24 - 8 * i));
    return c;
}
inline bytes read_capacity16(std::uint32_t alloc) {
    bytes c(16, 0);
    c[0] = 0x9e;
    c[1] = 0x10;
    for (int i = 0; i < 4; ++i) c[10 + i] = std::uint8_t(alloc >> (24 - 8 * i));
    return c;
}
inline bytes report_luns(std::uint32_t alloc, std::uint8_t select = 0) {
    bytes c(12, 0);
    c[0] = 0xa0;
    c[2] = select;
    for (int i = 0; i < 4; ++i) c[6 + i] = std::uint8_t(alloc >> (24 - 8 * i));
    return c;
}
inline bytes mode_sense10(std::uint8_t b1, std::uint8_t b2, std::uint16_t alloc, std::uint8_t sub = 0) {
    return {0x5a, b1, b2, sub, 0, 0, 0, std::uint8_t(alloc >> 8), std::uint8_t(alloc), 0};
}

// A small default config: HDD timing, sparse store.
inline disk_config small_disk(std::uint64_t capacity = 64ull << 20) {
    disk_config c;
    c.capacity = capacity;
    return c;
}

struct outcome {
    scsi_result r;
    bytes data;  // data_in (resized to data_in_len)
    std::uint8_t key() const { return r.sense[2] & 0x0f; }
    std::uint8_t asc() const { return r.sense[12]; }
    std::uint8_t ascq() const { return r.sense[13]; }
    bytes sense() const { return bytes(r.sense.begin(), r.sense.begin() + std::ptrdiff_t(r.sense_len)); }
};

// Runs commands on a target at a simulated time that the caller advances.
struct runner {
    scsi_target& t;
    std::uint64_t now = 0;
    // in_size: data-in buffer size (default: what decode() says, at least 4 KiB).
    outcome run(const bytes& cdb, std::uint32_t lun = 0, const bytes& out = {}, std::size_t in_size = SIZE_MAX) {
        if (in_size == SIZE_MAX) {
            auto d = t.decode(cdb.data(), cdb.size());
            in_size = std::max<std::size_t>(d.ok ? d.transfer_bytes : 0, 4096);
        }
        outcome o;
        o.data.assign(in_size, 0xee);
        o.r = t.execute(cdb.data(), cdb.size(), lun, o.data, out, now);
        o.data.resize(o.r.data_in_len);
        return o;
    }
};

// Writes `data` to a temp file, runs `cmd` with {} replaced by the file name,
// returns (exit status, stdout+stderr).
inline std::pair<int, std::string> run_tool(const std::string& cmd, const bytes& data) {
    char path[] = "/tmp/ddisim-disk-XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) return {-1, "mkstemp failed"};
    if (::write(fd, data.data(), data.size()) != ssize_t(data.size())) return {-1, "write failed"};
    ::close(fd);
    std::string full = cmd;
    full.replace(full.find("{}"), 2, path);
    full += " 2>&1";
    std::string text;
    FILE* p = ::popen(full.c_str(), "r");
    char buf[512];
    while (p && std::fgets(buf, sizeof buf, p)) text += buf;
    int st = p ? ::pclose(p) : -1;
    ::unlink(path);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, text};
}

} // namespace disk_test
