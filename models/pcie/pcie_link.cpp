// The PCI Express link model — see pcie_link.h.
#include "models/pcie/pcie_link.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "tlm/extensions.h"
#include "tlm/sc_timing.h"

using namespace sc_core;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace ddisim::models {

namespace {
// The intervals (in symbol times) at which the PCIe Base Specification
// recommends a receiver send an ACK DLLP and an UpdateFC DLLP, by generation
// (1, 2, 3 and later), width (x1, x2, x4, x8, x16, x32) and Max_Payload_Size
// (128 … 4096): each is an 8-byte DLLP taking that share of the link.
constexpr unsigned ack_interval[3][6][6] = {
    {{237, 416, 559, 1071, 2095, 4143}, {128, 217, 289, 545, 1057, 2081}, {73, 118, 154, 282, 538, 1050},
     {67, 107, 86, 150, 278, 534}, {48, 72, 86, 150, 278, 534}, {33, 45, 52, 84, 148, 276}},
    {{288, 467, 610, 1122, 2146, 4194}, {179, 268, 340, 596, 1108, 2132}, {124, 169, 205, 333, 589, 1101},
     {118, 158, 137, 201, 329, 585}, {99, 123, 137, 201, 329, 585}, {84, 96, 103, 135, 199, 237}},
    {{333, 512, 655, 1167, 2191, 4239}, {224, 313, 385, 641, 1153, 2177}, {169, 214, 250, 378, 634, 1146},
     {163, 203, 182, 246, 374, 630}, {144, 168, 182, 246, 374, 630}, {129, 141, 148, 180, 244, 372}}};
constexpr unsigned fc_interval[3][6][6] = {
    {{237, 416, 559, 1071, 2095, 4143}, {128, 217, 289, 545, 1057, 2081}, {73, 118, 154, 282, 538, 1050},
     {67, 107, 86, 150, 278, 534}, {48, 72, 86, 150, 278, 534}, {33, 45, 52, 84, 248, 276}},
    {{288, 467, 610, 1122, 2146, 4194}, {179, 268, 340, 596, 1108, 2132}, {124, 169, 205, 333, 589, 1101},
     {118, 158, 137, 201, 329, 585}, {99, 123, 137, 201, 329, 585}, {84, 96, 103, 135, 199, 327}},
    {{333, 512, 655, 1167, 2191, 4239}, {224, 313, 385, 641, 1153, 2177}, {169, 214, 250, 378, 634, 1146},
     {163, 203, 182, 246, 374, 630}, {144, 168, 182, 246, 374, 630}, {129, 141, 148, 180, 244, 372}}};
constexpr double dllp_bytes = 8;             // a DLLP with its framing
constexpr double skp_symbols = 4, skp_interval = 1538; // SKP ordered sets for clock compensation
constexpr std::uint64_t framing = 8;         // per TLP: start/end framing, sequence number, LCRC
constexpr std::uint64_t tlp_header = 4;      // the common first DW
constexpr std::uint64_t digest = 4;          // ECRC

unsigned log2u(std::uint64_t v) {
    unsigned n = 0;
    while (v > 1) v >>= 1, ++n;
    return n;
}
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
} // namespace

pcie_rates::pcie_rates(const pcie_config& c) {
    if (const char* f = pcie_invalid_field(c)) {
        static const std::map<std::string, std::string> allowed = {
            {"gen", "1 to 5"}, {"lanes", "1, 2, 4, 8, 16 or 32"}, {"mps", "a power of 2 from 128 to 4096"},
            {"mrrs", "a power of 2 from 128 to 4096"}, {"rcb", "0, 64, 128, 256 or 512"}};
        throw std::invalid_argument(std::string(f) + " must be " + allowed.at(f));
    }
    static constexpr double gts[] = {2.5, 5.0, 8.0, 16.0, 32.0};
    const double encoding = c.gen <= 2 ? 8.0 / 10.0 : 128.0 / 130.0;
    raw_bps = gts[c.gen - 1] * 1e9 * encoding * static_cast<double>(c.lanes);
    const unsigned g = std::min(c.gen, 3u) - 1, w = log2u(c.lanes), m = log2u(c.mps) - 7;
    const double overhead = dllp_bytes / ack_interval[g][w][m] + dllp_bytes / fc_interval[g][w][m] +
                            skp_symbols / skp_interval;
    tlp_bps = raw_bps * (1.0 - overhead);
    ps_per_byte = 8e12 / tlp_bps;
    mps = c.mps;
    mrrs = c.mrrs;
    cpl_unit = c.rcb ? c.rcb : c.mps;
    const std::uint64_t ecrc = c.ecrc ? digest : 0;
    req_hdr32 = framing + tlp_header + 8 + ecrc;  // memory read / write, 32-bit address
    req_hdr64 = framing + tlp_header + 12 + ecrc; // 64-bit address
    cpl_overhead = framing + tlp_header + 8 + ecrc;
}

tlm::ps_t pcie_rates::time(std::uint64_t bytes) const {
    return static_cast<tlm::ps_t>(std::llround(static_cast<double>(bytes) * ps_per_byte));
}

double pcie_rates::write_bps(std::uint64_t size) const {
    const double wire = static_cast<double>(size + ceil_div(size, mps) * req_hdr64);
    return tlp_bps * static_cast<double>(size) / wire;
}

double pcie_rates::read_bps(std::uint64_t size) const {
    // completions downstream, requests upstream: whichever fills first
    const double down = static_cast<double>(size + ceil_div(size, cpl_unit) * cpl_overhead);
    const double up = static_cast<double>(ceil_div(size, mrrs) * req_hdr64);
    const double per_s = std::min(tlp_bps / (down * 8), tlp_bps / (up * 8));
    return per_s * static_cast<double>(size) * 8;
}

// ---------------------------------------------------------------- the link

struct pcie_link::shape {
    std::uint64_t tlps_up = 0, tlps_down = 0, bytes_up = 0, bytes_down = 0;
    tlm::ps_t up = 0, down = 0;          // serialisation of the whole transaction, each way
    tlm::ps_t up_first = 0, down_last = 0; // of its first burst upstream, of its last burst downstream
    const tlm::burst_ext* bx = nullptr;  // a transaction of several bursts: its extension
    tlm::ps_t burst_round = 0;           // with bx: one whole burst's, both ways (burst_ext::rt)
};

namespace {
// TLPs of one burst of `bytes` split at `unit` (a zero-length transfer is one)
std::uint64_t tlps_in(std::uint64_t bytes, std::uint64_t unit) { return std::max<std::uint64_t>(1, ceil_div(bytes, unit)); }
// the order of the responses crossing back: a min-heap on (time, sequence)
bool later(const pcie_link_timed_resp& a, const pcie_link_timed_resp& b) { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
} // namespace

pcie_link::stats_t::stats_t(const std::string& o)
    : transactions(o, "transactions", "transactions", "device transactions that crossed the link"),
      tlps_up(o, "tlps_up", "TLPs", "memory write and read request TLPs towards the host"),
      tlps_down(o, "tlps_down", "TLPs", "completions with data towards the device"),
      bytes_up(o, "bytes_up", "bytes", "bytes towards the host, TLP overhead included"),
      bytes_down(o, "bytes_down", "bytes", "bytes towards the device, TLP overhead included"),
      latency(o, "latency", "ns", "a transaction's issue at the device to its response there") {}

pcie_link::pcie_link(sc_module_name name, const pcie_config& cfg)
    : sc_module(name), in("in"), out("out"), cfg_(cfg),
      rates_([&] {
          try {
              return pcie_rates(cfg);
          } catch (const std::invalid_argument& e) {
              throw std::invalid_argument(std::string(this->name()) + ": " + e.what());
          }
      }()),
      now_(tlm::sim_time()),
      stats_(this->name()) {
    in.register_b_transport(this, &pcie_link::b_transport);
    in.register_nb_transport_fw(this, &pcie_link::nb_transport_fw);
    in.register_get_direct_mem_ptr(this, &pcie_link::get_direct_mem_ptr);
    in.register_transport_dbg(this, &pcie_link::transport_dbg);
    out.register_nb_transport_bw(this, &pcie_link::nb_transport_bw);
    out.register_invalidate_direct_mem_ptr(this, &pcie_link::invalidate_direct_mem_ptr);
    const std::string me = this->name();
    up_util_ = std::make_unique<tlm::formula>(me, "up_utilisation", "ratio", "busy share of the link towards the host",
                                              [this] {
                                                  const double t = static_cast<double>(now_.value());
                                                  return t > 0 ? double(lt_up_.busy_ps + up_.busy_ps) / t : 0.0;
                                              });
    down_util_ = std::make_unique<tlm::formula>(me, "down_utilisation", "ratio",
                                                "busy share of the link towards the device", [this] {
                                                    const double t = static_cast<double>(now_.value());
                                                    return t > 0 ? double(lt_down_.busy_ps + down_.busy_ps) / t : 0.0;
                                                });
    SC_METHOD(forward_method);
    sensitive << arrive_ev_ << down_req_free_;
    dont_initialize();
    SC_METHOD(response_method);
    sensitive << resp_ev_ << up_resp_free_;
    dont_initialize();
}

pcie_link::~pcie_link() = default;

pcie_link::shape pcie_link::shape_of(const tlm_generic_payload& gp) const {
    const std::uint64_t len = gp.get_data_length();
    const bool write = gp.is_write();
    const std::uint64_t hdr = rates_.req_overhead(gp.get_address());
    // TLPs of a transaction of len bytes cut into bursts: each burst on its own
    const tlm::burst_ext* bx = gp.get_extension<tlm::burst_ext>();
    if (bx && !bx->multi(len)) bx = nullptr;
    auto tlps = [&](std::uint64_t bytes, std::uint64_t unit) {
        return bx && bytes ? bx->units(bytes, unit) : tlps_in(bytes, unit);
    };
    const std::uint64_t first = bx ? bx->first_len() : len, last = bx ? bx->last_len(len) : len;
    shape s;
    s.bx = bx;
    if (write) {
        s.tlps_up = tlps(len, rates_.mps);
        s.bytes_up = len + s.tlps_up * hdr;
        s.up_first = rates_.time(first + tlps_in(first, rates_.mps) * hdr);
        if (bx) s.burst_round = rates_.time(bx->burst + tlps_in(bx->burst, rates_.mps) * hdr);
    } else {
        s.tlps_up = tlps(len, rates_.mrrs);
        s.bytes_up = s.tlps_up * hdr;
        s.tlps_down = tlps(len, rates_.cpl_unit);
        s.bytes_down = len + s.tlps_down * rates_.cpl_overhead;
        s.up_first = rates_.time(tlps_in(first, rates_.mrrs) * hdr);
        s.down_last = rates_.time(last + tlps_in(last, rates_.cpl_unit) * rates_.cpl_overhead);
        s.down = rates_.time(s.bytes_down);
        if (bx)
            s.burst_round = rates_.time(tlps_in(bx->burst, rates_.mrrs) * hdr) +
                            rates_.time(bx->burst + tlps_in(bx->burst, rates_.cpl_unit) * rates_.cpl_overhead);
    }
    s.up = rates_.time(s.bytes_up);
    return s;
}

// LT: calls come in issue order, but a transaction can be ready before one
// reserved earlier (a response of a shorter access): it takes the first gap
// from its ready time that fits, as the bus's channels do.
tlm::ps_t pcie_link::reserve(tlm::occupancy_timeline& tl, tlm::recent_reservations& recent, tlm::ps_t ready,
                             tlm::ps_t dur) {
    const tlm::ps_t s = ready >= tl.busy_until ? ready : recent.gap(ready, dur, tl.busy_until);
    if (s >= tl.busy_until) {
        recent.note_next(tl.busy_until, s, s + dur);
        tl.busy_until = s + dur;
    } else {
        recent.note_early(s, s + dur);
    }
    tl.busy_ps += dur;
    return s;
}

// ---------------------------------------------------------------- LT

void pcie_link::b_transport(tlm_generic_payload& gp, sc_time& delay) {
    const shape s = shape_of(gp);
    const tlm::ps_t now = now_.value();
    const tlm::ps_t issued = now + delay.value();
    const tlm::ps_t up_start = reserve(lt_up_, up_recent_, issued, s.up);
    // the first burst reaches the root port when its TLPs have crossed
    const tlm::ps_t arrive = up_start + s.up_first + cfg_.latency;
    if (s.bx) s.bx->rt += s.burst_round + 2 * cfg_.latency; // rt is mutable: the models on the path add to it
    sc_time d = tlm::to_sc_time(arrive - now);
    out->b_transport(gp, d);
    const tlm::ps_t now2 = now_.value();
    const tlm::ps_t answered = now2 + d.value();
    tlm::ps_t done;
    if (gp.is_read() && gp.is_response_ok()) {
        // the earlier bursts' completions cross while the host works on the later ones
        const tlm::ps_t early = s.down - s.down_last;
        const tlm::ps_t ready = std::max(answered > early ? answered - early : 0, arrive);
        done = reserve(lt_down_, down_recent_, ready, s.down) + s.down + cfg_.latency;
    } else {
        done = std::max(answered, up_start + s.up + cfg_.latency) + cfg_.latency;
    }
    delay = tlm::to_sc_time(done - now2);
    ++stats_.transactions;
    stats_.tlps_up += s.tlps_up;
    stats_.tlps_down += s.tlps_down;
    stats_.bytes_up += s.bytes_up;
    stats_.bytes_down += s.bytes_down;
    stats_.latency.add(static_cast<double>(done - issued) * 1e-3);
}

// ---------------------------------------------------------------- AT

tlm_sync_enum pcie_link::nb_transport_fw(tlm_generic_payload& gp, tlm_phase& ph, sc_time& d) {
    const tlm::ps_t now = now_.value();
    if (ph == ::tlm::BEGIN_REQ) {
        const shape s = shape_of(gp);
        const tlm::ps_t t = now + d.value();
        const tlm::ps_t start = up_.reserve(t, s.up);
        issued_[&gp] = {t, s.down, s.tlps_down, s.bytes_down};
        const tlm::ps_t arrive = start + s.up + cfg_.latency;
        if (crossing_.empty()) arrive_ev_.notify(tlm::to_sc_time(arrive - now));
        crossing_.emplace_back(arrive, &gp);
        ++stats_.transactions;
        stats_.tlps_up += s.tlps_up;
        stats_.bytes_up += s.bytes_up;
        ph = ::tlm::END_REQ; // queued for the link
        return ::tlm::TLM_UPDATED;
    }
    if (ph == ::tlm::END_RESP) {
        if (&gp != up_resp_) SC_REPORT_ERROR("ddisim/pcie", (std::string(name()) + ": END_RESP for a payload without a response").c_str());
        up_resp_ = nullptr;
        up_free_at_ = now + d.value();
        up_resp_free_.notify(d);
        return ::tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("ddisim/pcie", (std::string(name()) + ": unexpected phase on nb_transport_fw").c_str());
    return ::tlm::TLM_COMPLETED;
}

void pcie_link::forward_method() {
    const tlm::ps_t now = now_.value();
    while (!crossing_.empty() && crossing_.front().first <= now) {
        fwd_.push_back(crossing_.front().second);
        crossing_.pop_front();
    }
    if (!crossing_.empty()) arrive_ev_.notify(tlm::to_sc_time(crossing_.front().first - now));
    while (!down_req_ && !fwd_.empty()) {
        if (down_free_at_ > now) {
            down_req_free_.notify(tlm::to_sc_time(down_free_at_ - now));
            return;
        }
        tlm_generic_payload* gp = fwd_.front();
        fwd_.pop_front();
        tlm_phase ph = ::tlm::BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        down_req_ = gp;
        const tlm_sync_enum r = out->nb_transport_fw(*gp, ph, d);
        if (r == ::tlm::TLM_ACCEPTED) return; // END_REQ or BEGIN_RESP comes on the backward path
        down_req_ = nullptr;
        down_free_at_ = now + d.value();
        if (r == ::tlm::TLM_UPDATED && ph == ::tlm::BEGIN_RESP) {
            tlm_phase end = ::tlm::END_RESP;
            sc_time de = d;
            (void)out->nb_transport_fw(*gp, end, de);
            host_answered(*gp, now + d.value());
        } else if (r == ::tlm::TLM_COMPLETED) {
            host_answered(*gp, now + d.value());
        }
    }
}

tlm_sync_enum pcie_link::nb_transport_bw(tlm_generic_payload& gp, tlm_phase& ph, sc_time& d) {
    const tlm::ps_t now = now_.value();
    if (ph == ::tlm::END_REQ || ph == ::tlm::BEGIN_RESP) {
        if (&gp == down_req_) {
            down_req_ = nullptr;
            down_free_at_ = now + d.value();
            down_req_free_.notify(d);
        }
        if (ph == ::tlm::END_REQ) return ::tlm::TLM_ACCEPTED;
        host_answered(gp, now + d.value());
        return ::tlm::TLM_COMPLETED; // END_RESP at once: the link buffers the response
    }
    SC_REPORT_ERROR("ddisim/pcie", (std::string(name()) + ": unexpected phase on nb_transport_bw").c_str());
    return ::tlm::TLM_COMPLETED;
}

void pcie_link::host_answered(tlm_generic_payload& gp, tlm::ps_t at) {
    const tlm::ps_t now = now_.value();
    tlm::ps_t done = at + cfg_.latency;
    // the completions its BEGIN_REQ worked out
    if (auto it = issued_.find(&gp); it != issued_.end() && gp.is_read() && gp.is_response_ok()) {
        const at_txn& x = it->second;
        done = down_.reserve(at, x.down) + x.down + cfg_.latency;
        stats_.tlps_down += x.tlps_down;
        stats_.bytes_down += x.bytes_down;
    }
    returning_.push_back({done, resp_seq_++, &gp});
    std::push_heap(returning_.begin(), returning_.end(), later);
    // an earlier notification overrides a later pending one
    resp_ev_.notify(tlm::to_sc_time(returning_.front().t - now));
}

void pcie_link::response_method() {
    const tlm::ps_t now = now_.value();
    while (!returning_.empty() && returning_.front().t <= now) {
        resp_wait_.push_back(returning_.front().gp);
        std::pop_heap(returning_.begin(), returning_.end(), later);
        returning_.pop_back();
    }
    if (!returning_.empty()) resp_ev_.notify(tlm::to_sc_time(returning_.front().t - now));
    send_responses();
}

void pcie_link::send_responses() {
    const tlm::ps_t now = now_.value();
    while (!up_resp_ && !resp_wait_.empty()) {
        if (up_free_at_ > now) {
            up_resp_free_.notify(tlm::to_sc_time(up_free_at_ - now));
            return;
        }
        tlm_generic_payload* gp = resp_wait_.front();
        resp_wait_.pop_front();
        if (auto it = issued_.find(gp); it != issued_.end()) {
            stats_.latency.add(static_cast<double>(now - it->second.issued) * 1e-3);
            issued_.erase(it);
        }
        tlm_phase ph = ::tlm::BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        up_resp_ = gp;
        const tlm_sync_enum r = in->nb_transport_bw(*gp, ph, d);
        if (r == ::tlm::TLM_ACCEPTED) return; // END_RESP comes on the forward path
        up_resp_ = nullptr;
        up_free_at_ = now + d.value();
    }
}

// ---------------------------------------------------------------- pass-through

// No DMI: a device with a pointer into memory would move its data past the
// link.
bool pcie_link::get_direct_mem_ptr(tlm_generic_payload&, ::tlm::tlm_dmi&) { return false; }

unsigned int pcie_link::transport_dbg(tlm_generic_payload& gp) { return out->transport_dbg(gp); }

void pcie_link::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) {}

} // namespace ddisim::models
