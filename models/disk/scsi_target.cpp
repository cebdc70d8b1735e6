// SCSI direct-access target logic (see scsi_target.h, docs/disk.md).
#include "models/disk/scsi_target.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tlm/core/splitmix.h"

namespace ddisim::models {

using namespace scsi;

namespace {
// A uniform draw in [0, 1) for fault k of command n: a hash (a SplitMix64
// step) of the seed and both, so the same seed refuses the same commands.
double fault_draw(std::uint64_t seed, std::uint64_t n, unsigned k) {
    std::uint64_t state = seed + (n - 1) * 0x9E3779B97F4A7C15ull + k * 0xD1B54A32D192ED03ull; // the step adds one more
    return static_cast<double>(tlm::splitmix64(state) >> 11) * 0x1.0p-53;
}

// Opcodes (SPC-4 / SBC-3).
enum : std::uint8_t {
    op_test_unit_ready = 0x00,
    op_request_sense = 0x03,
    op_read6 = 0x08,
    op_write6 = 0x0a,
    op_inquiry = 0x12,
    op_mode_sense6 = 0x1a,
    op_start_stop_unit = 0x1b,
    op_read_capacity10 = 0x25,
    op_read10 = 0x28,
    op_write10 = 0x2a,
    op_sync_cache10 = 0x35,
    op_mode_sense10 = 0x5a,
    op_read16 = 0x88,
    op_write16 = 0x8a,
    op_sync_cache16 = 0x91,
    op_service_action_in16 = 0x9e,
    op_report_luns = 0xa0,
};
constexpr std::uint8_t sa_read_capacity16 = 0x10;

// VPD pages served, in ascending order (VPD 0x00 lists them).
constexpr std::uint8_t vpd_pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb1};

// Mode pages served, in ascending order (0x3F returns them all).
constexpr std::uint8_t mode_pages[] = {0x01, 0x08, 0x0a};

std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]; }
std::uint64_t be64(const std::uint8_t* p) { return std::uint64_t(be32(p)) << 32 | be32(p + 4); }
void put16(std::uint8_t* p, std::uint64_t v) { p[0] = std::uint8_t(v >> 8); p[1] = std::uint8_t(v); }
void put32(std::uint8_t* p, std::uint64_t v) { for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (24 - 8 * i)); }
void put64(std::uint8_t* p, std::uint64_t v) { for (int i = 0; i < 8; ++i) p[i] = std::uint8_t(v >> (56 - 8 * i)); }

// Space-padded fixed-width ASCII field.
void put_text(std::uint8_t* p, const std::string& s, std::size_t width) {
    std::memset(p, ' ', width);
    std::memcpy(p, s.data(), std::min(width, s.size()));
}

std::size_t cdb_length_of(std::uint8_t opcode) {
    switch (opcode >> 5) {
    case 0: return 6;
    case 1:
    case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0;  // reserved / vendor specific groups: not supported
    }
}

sense_info invalid_field(std::uint16_t byte, std::optional<std::uint8_t> bit = std::nullopt) {
    return make_sense(key_illegal_request, asc_invalid_field_in_cdb, std::nullopt, field_pointer{true, byte, bit});
}

} // namespace

scsi_target::scsi_target(const disk_config& cfg) : cfg_(cfg), link_(cfg.link) {
    validate(cfg_);
    for (unsigned i = 0; i < cfg_.luns; ++i) {
        logical_unit lu;
        lu.store = make_block_store(cfg_);
        if (i == 0) {
            blocks_ = lu.store->size() / cfg_.block_size;
            if (cfg_.capacity == 0) cfg_.capacity = lu.store->size();
            for (std::size_t k = 0; k < cfg_.faults.medium_errors.size(); ++k) {
                const auto& m = cfg_.faults.medium_errors[k];
                if (m.lba >= blocks_ || m.count > blocks_ - m.lba)
                    throw std::invalid_argument("faults.medium_errors[" + std::to_string(k) + "]: LBA " +
                                                std::to_string(m.lba) + " lies beyond the last LBA " +
                                                std::to_string(blocks_ - 1) + " of the image");
            }
        }
        lu.timing = make_disk_timing(cfg_, lu.store->size());
        lu.unit_attention = cfg_.faults.power_on_unit_attention;
        lus_.push_back(std::move(lu));
    }
}

std::uint64_t scsi_target::naa_id(std::uint32_t lun) const {
    // FNV-1a over the identity strings: stable across runs, distinct per LU.
    std::uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&](const std::string& s) {
        for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
        h = (h ^ 0xff) * 0x100000001b3ull;
    };
    mix(cfg_.vendor);
    mix(cfg_.product);
    mix(cfg_.serial);
    mix(std::to_string(lun));
    return (std::uint64_t(3) << 60) | (h & ((std::uint64_t(1) << 60) - 1));
}

void scsi_target::reset() {
    for (auto& lu : lus_) {
        lu.unit_attention = true;
        lu.timing->reset();
    }
}

// ----------------------------------------------------------- decoding ----

cdb_info scsi_target::decode(const std::uint8_t* cdb, std::size_t cdb_len) const {
    cdb_info d;
    if (cdb_len == 0) {
        d.error = invalid_field(0);
        return d;
    }
    d.opcode = cdb[0];
    d.length = cdb_length_of(d.opcode);
    auto fail = [&](sense_info s) {
        d.ok = false;
        d.error = s;
        return d;
    };
    static constexpr std::uint8_t known[] = {op_test_unit_ready, op_request_sense, op_read6, op_write6, op_inquiry,
                                             op_mode_sense6, op_start_stop_unit, op_read_capacity10, op_read10,
                                             op_write10, op_sync_cache10, op_mode_sense10, op_read16, op_write16,
                                             op_sync_cache16, op_service_action_in16, op_report_luns};
    if (std::find(std::begin(known), std::end(known), d.opcode) == std::end(known))
        return fail(make_sense(key_illegal_request, asc_invalid_opcode));
    if (cdb_len < d.length) return fail(invalid_field(std::uint16_t(cdb_len - 1)));
    // Control byte: NACA needs NORMACA support, which INQUIRY does not claim.
    if (cdb[d.length - 1] & 0x04) return fail(invalid_field(std::uint16_t(d.length - 1), 2));

    auto media = [&](bool write, std::uint64_t lba, std::uint64_t blocks, bool has_flags) {
        d.media = true;
        d.dir = write ? data_dir::out : data_dir::in;
        d.lba = lba;
        d.blocks = blocks;
        if (has_flags) {
            if (cdb[1] & 0xe0) return fail(invalid_field(1, 7));  // RD/WRPROTECT: no protection information
            d.dpo = cdb[1] & 0x10;
            d.fua = cdb[1] & 0x08;
        }
        if (lba > blocks_ || blocks > blocks_ - lba || (blocks == 0 && lba >= blocks_))
            return fail(make_sense(key_illegal_request, asc_lba_out_of_range));
        if (write && !lus_.front().store->writable()) return fail(make_sense(key_data_protect, asc_write_protected));
        d.transfer_bytes = blocks * cfg_.block_size;
        d.ok = true;
        return d;
    };

    switch (d.opcode) {
    case op_test_unit_ready:
    case op_start_stop_unit: break;
    case op_request_sense:
        if (cdb[1] & 0x01) return fail(invalid_field(1, 0));  // DESC: only fixed format
        d.dir = data_dir::in;
        d.transfer_bytes = cdb[4];
        break;
    case op_inquiry: {
        bool evpd = cdb[1] & 0x01;
        if (cdb[1] & 0x02) return fail(invalid_field(1, 1));  // CMDDT (obsolete)
        if (!evpd && cdb[2] != 0) return fail(invalid_field(2, 7));
        if (evpd && std::find(std::begin(vpd_pages), std::end(vpd_pages), cdb[2]) == std::end(vpd_pages))
            return fail(invalid_field(2, 7));
        d.dir = data_dir::in;
        d.transfer_bytes = be16(cdb + 3);
        break;
    }
    case op_mode_sense6:
    case op_mode_sense10: {
        std::uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
        if (pc == 3) return fail({key_illegal_request, asc_saving_params_not_supported, std::nullopt, field_pointer{true, 2, 7}});
        if (page != 0x3f && std::find(std::begin(mode_pages), std::end(mode_pages), page) == std::end(mode_pages))
            return fail(invalid_field(2, 5));
        if (sub != 0 && !(sub == 0xff && page == 0x3f)) return fail(invalid_field(3, 7));
        d.dir = data_dir::in;
        d.transfer_bytes = d.opcode == op_mode_sense6 ? cdb[4] : be16(cdb + 7);
        break;
    }
    case op_read_capacity10:
        if (!(cdb[8] & 0x01) && be32(cdb + 2) != 0) return fail(invalid_field(2, 7));  // LBA needs PMI
        d.dir = data_dir::in;
        d.transfer_bytes = 8;
        break;
    case op_service_action_in16:
        if ((cdb[1] & 0x1f) != sa_read_capacity16) return fail(invalid_field(1, 4));
        d.dir = data_dir::in;
        d.transfer_bytes = be32(cdb + 10);
        break;
    case op_report_luns:
        if (cdb[2] > 0x02) return fail(invalid_field(2, 7));
        if (be32(cdb + 6) < 16) return fail(invalid_field(6, 7));
        d.dir = data_dir::in;
        d.transfer_bytes = be32(cdb + 6);
        break;
    case op_read6:
    case op_write6: {
        std::uint64_t lba = std::uint64_t(cdb[1] & 0x1f) << 16 | be16(cdb + 2);
        std::uint64_t n = cdb[4] ? cdb[4] : 256;  // READ(6)/WRITE(6): 0 means 256 blocks
        return media(d.opcode == op_write6, lba, n, false);
    }
    case op_read10:
    case op_write10: return media(d.opcode == op_write10, be32(cdb + 2), be16(cdb + 7), true);
    case op_read16:
    case op_write16: return media(d.opcode == op_write16, be64(cdb + 2), be32(cdb + 10), true);
    case op_sync_cache10:
    case op_sync_cache16: {
        bool ten = d.opcode == op_sync_cache10;
        std::uint64_t lba = ten ? be32(cdb + 2) : be64(cdb + 2);
        std::uint64_t n = ten ? be16(cdb + 7) : be32(cdb + 10);
        if (lba >= blocks_ || n > blocks_ - lba) return fail(make_sense(key_illegal_request, asc_lba_out_of_range));
        d.lba = lba;
        d.blocks = n ? n : blocks_ - lba;  // 0: through the last LBA
        d.immed = cdb[1] & 0x02;
        break;
    }
    }
    d.ok = true;
    return d;
}

// ---------------------------------------------------------- responses ----

std::vector<std::uint8_t> scsi_target::inquiry_data(std::uint32_t lun, bool evpd, std::uint8_t page) const {
    // Peripheral qualifier 000b + type 0 (direct access), or 011b + 1Fh when
    // no logical unit exists at this LUN.
    std::uint8_t byte0 = lun < lus_.size() ? 0x00 : 0x7f;
    std::vector<std::uint8_t> v;
    if (!evpd) {
        v.assign(74, 0);
        v[0] = byte0;
        v[2] = 0x06;         // VERSION: SPC-4
        v[3] = 0x10 | 0x02;  // HISUP, RESPONSE DATA FORMAT 2
        v[4] = std::uint8_t(v.size() - 5);
        v[7] = 0x02;         // CMDQUE: tagged command queueing
        put_text(&v[8], cfg_.vendor, 8);
        put_text(&v[16], cfg_.product, 16);
        put_text(&v[32], cfg_.revision, 4);
        // 36..57: vendor specific and clocking fields, zero. Version descriptors:
        put16(&v[58], 0x00a0);  // SAM-5
        put16(&v[60], 0x0460);  // SPC-4
        put16(&v[62], 0x04c0);  // SBC-3
        return v;
    }
    std::vector<std::uint8_t> body;  // the page after its 4-byte header
    switch (page) {
    case 0x00: body.assign(std::begin(vpd_pages), std::end(vpd_pages)); break;
    case 0x80: body.assign(cfg_.serial.begin(), cfg_.serial.end()); break;
    case 0x83: {
        // NAA designator: code set binary, association LU, type NAA, 8 bytes;
        // then a T10 vendor ID designator: code set ASCII, association LU, type 1.
        body.assign(12 + 4 + 8 + 16 + cfg_.serial.size(), ' ');
        std::uint8_t* p = body.data();
        p[0] = 0x01;
        p[1] = 0x03;
        p[2] = 0x00;
        p[3] = 0x08;
        put64(p + 4, naa_id(lun));
        p += 12;
        p[0] = 0x02;
        p[1] = 0x01;
        p[2] = 0x00;
        p[3] = std::uint8_t(8 + 16 + cfg_.serial.size());
        put_text(p + 4, cfg_.vendor, 8);
        put_text(p + 12, cfg_.product, 16);
        std::memcpy(p + 28, cfg_.serial.data(), cfg_.serial.size());
        break;
    }
    case 0xb0:  // block limits: all zero = no limits reported
        body.assign(0x3c, 0);
        break;
    case 0xb1:  // block device characteristics: medium rotation rate
        body.assign(0x3c, 0);
        put16(&body[0], cfg_.kind == "hdd" ? std::uint16_t(cfg_.hdd.rpm + 0.5) : 0x0001);  // 1 = non-rotating
        break;
    }
    v.assign(4 + body.size(), 0);
    v[0] = byte0;
    v[1] = page;
    put16(&v[2], body.size());
    if (!body.empty()) std::memcpy(&v[4], body.data(), body.size());
    return v;
}

std::vector<std::uint8_t> scsi_target::mode_data(const cdb_info& info, const std::uint8_t* cdb) const {
    const bool six = info.opcode == op_mode_sense6;
    const bool dbd = cdb[1] & 0x08;
    const bool llbaa = !six && (cdb[1] & 0x10);
    const std::uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f;
    const bool changeable = pc == 1;  // nothing is changeable (no MODE SELECT): all-zero masks
    const bool read_only = !lus_.front().store->writable();

    std::vector<std::uint8_t> v(six ? 4 : 8, 0);
    v[six ? 2 : 3] = std::uint8_t((read_only ? 0x80 : 0x00) | 0x10);  // WP, DPOFUA
    if (!dbd) {
        if (llbaa) {
            v[4] |= 0x01;  // LONGLBA
            std::uint8_t bd[16] = {};
            put64(bd, blocks_);
            put32(bd + 12, cfg_.block_size);
            v.insert(v.end(), std::begin(bd), std::end(bd));
        } else {
            std::uint8_t bd[8] = {};
            put32(bd, std::min<std::uint64_t>(blocks_, 0xffffffffull));
            bd[5] = std::uint8_t(cfg_.block_size >> 16);
            bd[6] = std::uint8_t(cfg_.block_size >> 8);
            bd[7] = std::uint8_t(cfg_.block_size);
            v.insert(v.end(), std::begin(bd), std::end(bd));
        }
        std::size_t bdl = v.size() - (six ? 4 : 8);
        if (six) v[3] = std::uint8_t(bdl);
        else put16(&v[6], bdl);
    }

    const bool hdd = cfg_.kind == "hdd";
    auto add_page = [&](std::uint8_t code) {
        std::vector<std::uint8_t> p;
        switch (code) {
        case 0x01:  // read-write error recovery: AWRE, ARRE
            p.assign(12, 0);
            if (!changeable) p[2] = 0xc0;
            break;
        case 0x08:  // caching
            p.assign(20, 0);
            if (!changeable) {
                bool wce = hdd && cfg_.hdd.write_cache;
                bool rcd = !hdd || cfg_.hdd.cache_size == 0;
                p[2] = std::uint8_t((wce ? 0x04 : 0) | (rcd ? 0x01 : 0));
                put16(&p[4], 0xffff);  // disable pre-fetch transfer length
                std::uint64_t ra = hdd ? cfg_.hdd.read_ahead / cfg_.block_size : 0;
                put16(&p[8], std::min<std::uint64_t>(ra, 0xffff));  // maximum pre-fetch
                put16(&p[10], 0xffff);  // maximum pre-fetch ceiling
                if (ra == 0) p[12] = 0x20;  // DRA: read-ahead disabled
                p[13] = hdd ? 64 : 0;       // number of cache segments
            }
            break;
        case 0x0a:  // control: fixed-format sense (D_SENSE 0), GLTSD, unrestricted reordering
            p.assign(12, 0);
            if (!changeable) {
                p[2] = 0x02;
                p[3] = 0x10;
            }
            break;
        }
        p[0] = code;
        p[1] = std::uint8_t(p.size() - 2);
        v.insert(v.end(), p.begin(), p.end());
    };
    if (page == 0x3f)
        for (auto code : mode_pages) add_page(code);
    else
        add_page(page);

    if (six) v[0] = std::uint8_t(std::min<std::size_t>(v.size() - 1, 0xff));
    else put16(&v[0], v.size() - 2);
    return v;
}

std::vector<std::uint8_t> scsi_target::report_luns_data() const {
    std::vector<std::uint8_t> v(8, 0);
    for (std::uint32_t l = 0; l < lus_.size(); ++l) {
        std::uint8_t e[8] = {};
        e[1] = std::uint8_t(l);  // peripheral device addressing, bus 0
        v.insert(v.end(), std::begin(e), std::end(e));
    }
    put32(&v[0], v.size() - 8);
    return v;
}

const disk_medium_error* scsi_target::medium_error_in(std::uint64_t lba, std::uint64_t blocks, bool write,
                                                      std::uint64_t* first) const {
    const disk_medium_error* hit = nullptr;
    std::uint64_t best = ~0ull;
    for (const auto& m : cfg_.faults.medium_errors) {
        if (write && !m.write) continue;
        std::uint64_t s = std::max(lba, m.lba), e = std::min(lba + blocks, m.lba + m.count);
        if (s < e && s < best) {
            best = s;
            hit = &m;
        }
    }
    if (hit) *first = best;
    return hit;
}

// ---------------------------------------------------------- execution ----

scsi_result scsi_target::check(const sense_info& s, std::uint64_t now_ps, std::uint64_t expected) {
    scsi_result r;
    r.status = status_check_condition;
    r.sense = make_fixed_sense(s);
    r.sense_len = fixed_sense_len;
    r.residual = expected;
    r.complete_ps = now_ps + cfg_.command_overhead;
    ++stats_.check_conditions;
    return r;
}

scsi_result scsi_target::finish_in(const std::vector<std::uint8_t>& data, std::uint64_t alloc,
                                   std::span<std::uint8_t> out, std::uint64_t now_ps) {
    scsi_result r;
    std::uint64_t n = std::min<std::uint64_t>({alloc, data.size(), out.size()});
    std::memcpy(out.data(), data.data(), n);
    r.data_in_len = n;
    r.residual = alloc - n;
    r.complete_ps = now_ps + cfg_.command_overhead;
    ++stats_.good;
    return r;
}

scsi_result scsi_target::execute(const std::uint8_t* cdb, std::size_t cdb_len, std::uint32_t lun,
                                 std::span<std::uint8_t> data_in, std::span<const std::uint8_t> data_out,
                                 std::uint64_t now_ps) {
    ++stats_.commands;
    if (cfg_.faults.reset_at != 0 && !reset_done_ && now_ps >= cfg_.faults.reset_at) {
        reset_done_ = true;
        reset();
    }

    // Task-set level refusals come before the device server looks at the CDB.
    const auto& f = cfg_.faults;
    std::uint8_t refuse = status_good;
    if (f.busy_every && stats_.commands % f.busy_every == 0) refuse = status_busy;
    else if (f.task_set_full_every && stats_.commands % f.task_set_full_every == 0) refuse = status_task_set_full;
    else if (f.busy_probability > 0 && fault_draw(f.seed, stats_.commands, 1) < f.busy_probability) refuse = status_busy;
    else if (f.task_set_full_probability > 0 && fault_draw(f.seed, stats_.commands, 2) < f.task_set_full_probability)
        refuse = status_task_set_full;
    for (const auto& w : f.busy_windows)
        if (refuse == status_good && now_ps >= w.from && now_ps < w.until)
            refuse = w.status == "busy" ? status_busy : status_task_set_full;
    const cdb_info info = decode(cdb, cdb_len);
    if (refuse != status_good) {
        scsi_result r;
        r.status = refuse;
        r.residual = info.ok ? info.transfer_bytes : 0;
        r.complete_ps = now_ps + cfg_.command_overhead;
        ++(refuse == status_busy ? stats_.busy : stats_.task_set_full);
        return r;
    }

    const std::uint8_t op = cdb_len ? cdb[0] : 0xff;
    // A LUN without a logical unit: INQUIRY answers (qualifier 011b), REQUEST
    // SENSE returns the reason as data, REPORT LUNS is target-wide.
    if (lun >= lus_.size()) {
        if (info.ok && op == op_inquiry)
            return finish_in(inquiry_data(lun, cdb[1] & 0x01, cdb[2]), info.transfer_bytes, data_in, now_ps);
        if (info.ok && op == op_request_sense) {
            auto s = make_fixed_sense(make_sense(key_illegal_request, asc_lun_not_supported));
            return finish_in({s.begin(), s.end()}, info.transfer_bytes, data_in, now_ps);
        }
        if (!(info.ok && op == op_report_luns))
            return check(make_sense(key_illegal_request, asc_lun_not_supported), now_ps, info.ok ? info.transfer_bytes : 0);
    }

    // Unit attention: reported once, to any command but INQUIRY and REPORT
    // LUNS; REQUEST SENSE returns it as data (and clears it).
    if (lun < lus_.size() && lus_[lun].unit_attention && op != op_inquiry && op != op_report_luns) {
        lus_[lun].unit_attention = false;
        ++stats_.unit_attentions;
        sense_info ua = make_sense(key_unit_attention, asc_power_on_reset);
        if (op == op_request_sense && info.ok) {
            auto s = make_fixed_sense(ua);
            return finish_in({s.begin(), s.end()}, info.transfer_bytes, data_in, now_ps);
        }
        return check(ua, now_ps, info.ok ? info.transfer_bytes : 0);
    }

    if (!info.ok) return check(info.error, now_ps);

    switch (op) {
    case op_test_unit_ready:
    case op_start_stop_unit: {
        scsi_result r;
        r.complete_ps = now_ps + cfg_.command_overhead;
        ++stats_.good;
        return r;
    }
    case op_request_sense: {
        auto s = make_fixed_sense(make_sense(key_no_sense, asc_none));
        return finish_in({s.begin(), s.end()}, info.transfer_bytes, data_in, now_ps);
    }
    case op_inquiry: return finish_in(inquiry_data(lun, cdb[1] & 0x01, cdb[2]), info.transfer_bytes, data_in, now_ps);
    case op_mode_sense6:
    case op_mode_sense10: return finish_in(mode_data(info, cdb), info.transfer_bytes, data_in, now_ps);
    case op_report_luns: return finish_in(report_luns_data(), info.transfer_bytes, data_in, now_ps);
    case op_read_capacity10: {
        std::vector<std::uint8_t> v(8, 0);
        std::uint64_t last = blocks_ - 1;
        put32(&v[0], last >= 0xffffffffull ? 0xffffffffull : last);  // FFFFFFFFh: use READ CAPACITY(16)
        put32(&v[4], cfg_.block_size);
        return finish_in(v, 8, data_in, now_ps);
    }
    case op_service_action_in16: {
        std::vector<std::uint8_t> v(32, 0);
        put64(&v[0], blocks_ - 1);
        put32(&v[8], cfg_.block_size);
        // byte 13: one logical block per physical block; byte 14: LBPME = 0
        // (no UNMAP), LBPRZ = 0; lowest aligned LBA 0.
        return finish_in(v, info.transfer_bytes, data_in, now_ps);
    }
    case op_sync_cache10:
    case op_sync_cache16: {
        auto& lu = lus_[lun];
        std::uint64_t done = lu.timing->service({now_ps, media_op::flush, info.lba, info.blocks, false, false});
        if (!lu.store->flush()) return check(make_sense(key_hardware_error, asc_internal_target_failure), now_ps);
        scsi_result r;
        r.complete_ps = info.immed ? now_ps + cfg_.command_overhead : done;
        ++stats_.good;
        return r;
    }
    default: break;
    }

    // READ / WRITE.
    auto& lu = lus_[lun];
    const bool write = info.dir == data_dir::out;
    const std::uint64_t bs = cfg_.block_size;
    std::uint64_t bad = 0;
    const disk_medium_error* me = medium_error_in(info.lba, info.blocks, write, &bad);
    // Blocks the command moves: up to the first failing LBA, and no more than
    // the host buffer holds (a short buffer is the HBA's underrun).
    std::uint64_t n = me ? bad - info.lba : info.blocks;
    n = std::min<std::uint64_t>(n, (write ? data_out.size() : data_in.size()) / bs);
    std::uint64_t media_blocks = me ? bad - info.lba + 1 : info.blocks;
    std::uint64_t done =
        lu.timing->service({now_ps, write ? media_op::write : media_op::read, info.lba, media_blocks, info.fua, info.dpo});

    scsi_result r;
    bool io_ok = write ? lu.store->write(info.lba * bs, data_out.first(n * bs))
                       : lu.store->read(info.lba * bs, data_in.first(n * bs));
    if (!io_ok) return check(make_sense(key_hardware_error, asc_internal_target_failure), now_ps, info.transfer_bytes);
    (write ? r.data_out_len : r.data_in_len) = n * bs;
    (write ? stats_.blocks_written : stats_.blocks_read) += n;
    r.residual = info.transfer_bytes - n * bs;
    r.complete_ps = done;
    if (me) {
        ++stats_.medium_errors;
        scsi_result c = check(make_sense(key_medium_error, write ? asc_write_error : asc_unrecovered_read_error, bad), now_ps,
                              info.transfer_bytes);
        c.data_in_len = r.data_in_len;
        c.data_out_len = r.data_out_len;
        c.residual = r.residual;
        c.complete_ps = done + cfg_.faults.medium_error_delay;
        return c;
    }
    ++stats_.good;
    return r;
}

} // namespace ddisim::models
