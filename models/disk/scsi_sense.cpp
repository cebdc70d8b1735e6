// Fixed-format sense data encoding (see scsi_sense.h for the layout).
#include "models/disk/scsi_sense.h"

#include <cstdio>

namespace ddisim::models::scsi {

sense_bytes make_fixed_sense(const sense_info& s) {
    sense_bytes b{};
    b[0] = 0x70;
    b[2] = std::uint8_t(s.key & 0x0f);
    if (s.information && *s.information <= 0xffffffffull) {
        b[0] |= 0x80;
        std::uint32_t v = std::uint32_t(*s.information);
        b[3] = std::uint8_t(v >> 24);
        b[4] = std::uint8_t(v >> 16);
        b[5] = std::uint8_t(v >> 8);
        b[6] = std::uint8_t(v);
    }
    b[7] = fixed_sense_len - 8;
    b[12] = s.asc.asc;
    b[13] = s.asc.ascq;
    if (s.pointer) {
        b[15] = 0x80;
        if (s.pointer->in_cdb) b[15] |= 0x40;
        if (s.pointer->bit) b[15] |= std::uint8_t(0x08 | (*s.pointer->bit & 0x07));
        b[16] = std::uint8_t(s.pointer->byte >> 8);
        b[17] = std::uint8_t(s.pointer->byte);
    }
    return b;
}

const char* sense_key_name(std::uint8_t key) {
    static const char* names[16] = {"NO SENSE",        "RECOVERED ERROR", "NOT READY",      "MEDIUM ERROR",
                                    "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
                                    "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",   "ABORTED COMMAND",
                                    "RESERVED",        "VOLUME OVERFLOW", "MISCOMPARE",     "COMPLETED"};
    return names[key & 0x0f];
}

std::string asc_name(std::uint8_t asc, std::uint8_t ascq) {
    struct entry {
        std::uint8_t asc, ascq;
        const char* name;
    };
    static const entry table[] = {
        {0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"},
        {0x0c, 0x00, "WRITE ERROR"},
        {0x11, 0x00, "UNRECOVERED READ ERROR"},
        {0x20, 0x00, "INVALID COMMAND OPERATION CODE"},
        {0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE"},
        {0x24, 0x00, "INVALID FIELD IN CDB"},
        {0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"},
        {0x27, 0x00, "WRITE PROTECTED"},
        {0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"},
        {0x39, 0x00, "SAVING PARAMETERS NOT SUPPORTED"},
        {0x44, 0x00, "INTERNAL TARGET FAILURE"},
    };
    for (const auto& e : table)
        if (e.asc == asc && e.ascq == ascq) return e.name;
    char buf[40];
    std::snprintf(buf, sizeof buf, "ASC 0x%02x ASCQ 0x%02x", asc, ascq);
    return buf;
}

} // namespace ddisim::models::scsi
