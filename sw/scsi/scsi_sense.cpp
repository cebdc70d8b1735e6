// Format-neutral sense-data accessors (illumos scsi_subr.c interfaces):
// fixed format (response codes 0x70/0x71) and descriptor format (0x72/0x73).
#include <sys/scsi/scsi.h>

namespace {
bool descr(const uint8_t* s) {
    const uint8_t code = s[0] & 0x7f;
    return code == 0x72 || code == 0x73;
}
} // namespace

extern "C" uint8_t scsi_sense_key(uint8_t* sense_buffer) {
    return descr(sense_buffer) ? (sense_buffer[1] & 0x0f) : (sense_buffer[2] & 0x0f);
}

extern "C" uint8_t scsi_sense_asc(uint8_t* sense_buffer) {
    return descr(sense_buffer) ? sense_buffer[2] : sense_buffer[12];
}

extern "C" uint8_t scsi_sense_ascq(uint8_t* sense_buffer) {
    return descr(sense_buffer) ? sense_buffer[3] : sense_buffer[13];
}

extern "C" int scsi_validate_sense(uint8_t* sense_buffer, int sense_buf_len, int* flags) {
    if (flags) *flags = 0;
    if (!sense_buffer || sense_buf_len < SUN_MIN_SENSE_LENGTH) return SENSE_UNUSABLE;
    const uint8_t code = sense_buffer[0] & 0x7f;
    if (code == 0x70 || code == 0x71) {
        if (sense_buf_len < MIN_FIXED_SENSE_LEN) return SENSE_UNUSABLE;
        if (flags) {
            if (code == 0x71) *flags |= SNS_BUF_DEFERRED;
            if (sense_buffer[7] + ADDL_SENSE_ADJUST > sense_buf_len) *flags |= SNS_BUF_OVERFLOW;
        }
        return SENSE_FIXED_FORMAT;
    }
    if (code == 0x72 || code == 0x73) {
        if (sense_buf_len < 8) return SENSE_UNUSABLE;
        if (flags) {
            if (code == 0x73) *flags |= SNS_BUF_DEFERRED;
            if (sense_buffer[7] + 8 > sense_buf_len) *flags |= SNS_BUF_OVERFLOW;
        }
        return SENSE_DESCR_FORMAT;
    }
    return SENSE_UNUSABLE;
}

extern "C" boolean_t scsi_sense_info_uint64(uint8_t* sense_buffer, int sense_buf_len, uint64_t* information) {
    if (!sense_buffer || !information) return B_FALSE;
    switch (scsi_validate_sense(sense_buffer, sense_buf_len, nullptr)) {
    case SENSE_FIXED_FORMAT:
        if (!(sense_buffer[0] & 0x80)) return B_FALSE; // VALID bit
        *information = (uint64_t{sense_buffer[3]} << 24) | (uint64_t{sense_buffer[4]} << 16) |
                       (uint64_t{sense_buffer[5]} << 8) | sense_buffer[6];
        return B_TRUE;
    case SENSE_DESCR_FORMAT: {
        int end = 8 + sense_buffer[7];
        if (end > sense_buf_len) end = sense_buf_len;
        for (int d = 8; d + 2 <= end; d += 2 + sense_buffer[d + 1]) {
            if (sense_buffer[d] == DESCR_INFORMATION && d + 12 <= end && (sense_buffer[d + 2] & 0x80)) {
                uint64_t v = 0;
                for (int i = 0; i < 8; ++i) v = (v << 8) | sense_buffer[d + 4 + i];
                *information = v;
                return B_TRUE;
            }
        }
        return B_FALSE;
    }
    default:
        return B_FALSE;
    }
}
