// scsi_transport (illumos scsi_transport.c behaviour): an ordinary packet
// goes straight to tran_start and completes later through pkt_comp. A
// FLAG_NOINTR packet must be complete when scsi_transport returns: in
// interrupt context the HBA gets it as is and must poll it to completion;
// from a thread, SCSA swaps in its own completion routine, clears
// FLAG_NOINTR, sets FLAG_IMMEDIATE_CB, starts the packet and waits (the
// scsa_config::wait hook) until the HBA completes it, then restores the
// target's pkt_comp and flags — the target's pkt_comp is never called.
// The waiting thread sleeps on a kernel::kcondvar that the completion wakes
// (or uses scsa_config::wait).
#include "sw/scsi/scsa.h"

using namespace ddisim::scsa;
using ddisim::kernel::kernel_context;

namespace {

// Marks a FLAG_NOINTR packet done (illumos: CALLBACK_DONE, a unique value).
void nointr_done(scsi_pkt*) {}

ddisim::kernel::kcondvar& nointr_cv(kernel_context& k) {
    auto& st = state(k);
    if (!st.nointr_cv) st.nointr_cv = std::make_unique<ddisim::kernel::kcondvar>(k);
    return *st.nointr_cv;
}

// Runs in the HBA's completion (interrupt) context: mark done, wake waiters.
void nointr_comp(scsi_pkt* pkt) {
    pkt->pkt_comp = nointr_done;
    if (kernel_context* k = kernel_of(pkt->pkt_address.a_hba_tran)) nointr_cv(*k).broadcast();
}

bool wait_once(kernel_context& k) {
    auto& st = state(k);
    if (st.cfg.wait) return st.cfg.wait();
    const std::uint64_t t0 = k.now_ns();
    if (k.platform()) nointr_cv(k).wait();
    if (k.run_softints() > 0 || k.now_ns() != t0) {
        st.nointr_stalls = 0;
        return true;
    }
    return ++st.nointr_stalls < 1000;
}

} // namespace

extern "C" int scsi_transport(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_address.a_hba_tran || !pkt->pkt_address.a_hba_tran->tran_start) return TRAN_BADPKT;
    scsi_address* ap = &pkt->pkt_address;
    scsi_hba_tran_t* tran = ap->a_hba_tran;
    kernel_context* k = kernel_of(tran);
    if (k) k->charge(state(*k).cfg.costs.transport_ns);
    if (!(pkt->pkt_flags & FLAG_NOINTR) || !k || in_interrupt(*k)) return tran->tran_start(ap, pkt);

    const uint_t savef = pkt->pkt_flags;
    void (*const savec)(scsi_pkt*) = pkt->pkt_comp;
    pkt->pkt_comp = nointr_comp;
    pkt->pkt_flags &= ~uint_t{FLAG_NOINTR};
    pkt->pkt_flags |= FLAG_IMMEDIATE_CB;
    int status = tran->tran_start(ap, pkt);
    state(*k).nointr_stalls = 0;
    if (status == TRAN_ACCEPT) {
        while (pkt->pkt_comp != nointr_done) {
            if (!wait_once(*k)) {
                k->report("scsa-nointr-stuck",
                          kernel_context::dev_name(tran->tran_hba_dip) +
                              ": a FLAG_NOINTR packet was accepted but never completed; scsi_transport gives "
                              "up with TRAN_FATAL_ERROR");
                status = TRAN_FATAL_ERROR;
                break;
            }
        }
    }
    pkt->pkt_flags = savef;
    pkt->pkt_comp = savec;
    return status;
}

extern "C" int scsi_poll(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_address.a_hba_tran) return -1;
    kernel_context* k = kernel_of(pkt->pkt_address.a_hba_tran);
    const uint_t savef = pkt->pkt_flags;
    void (*const savec)(scsi_pkt*) = pkt->pkt_comp;
    const int savet = pkt->pkt_time;
    if (pkt->pkt_time == 0) pkt->pkt_time = SCSI_POLL_TIMEOUT;
    pkt->pkt_flags = (pkt->pkt_flags | FLAG_NOINTR) & ~uint_t{FLAG_HEAD};
    pkt->pkt_comp = nullptr;
    constexpr std::uint64_t retry_ns = 10'000'000; // 10 ms between tries
    const long tries = static_cast<long>(pkt->pkt_time) * 100;
    int rval = -1;
    for (long i = 0; i < tries; ++i) {
        pkt->pkt_reason = CMD_CMPLT;
        pkt->pkt_state = 0;
        if (pkt->pkt_scbp) pkt->pkt_scbp[0] = STATUS_GOOD;
        const int rc = scsi_transport(pkt);
        bool retry = false;
        if (rc == TRAN_BUSY) {
            retry = true;
        } else if (rc != TRAN_ACCEPT) {
            break;
        } else if (pkt->pkt_reason == CMD_INCOMPLETE && pkt->pkt_state == 0) {
            retry = true; // never reached the target
        } else if (pkt->pkt_reason != CMD_CMPLT) {
            break;
        } else {
            const uchar_t st = pkt->pkt_scbp ? (pkt->pkt_scbp[0] & STATUS_MASK) : STATUS_GOOD;
            if (st == STATUS_GOOD) {
                rval = 0;
                break;
            }
            if (st != STATUS_BUSY && st != STATUS_QFULL) break;
            retry = true;
        }
        if (!retry) break;
        if (k) k->delay_ns(retry_ns);
    }
    pkt->pkt_flags = savef;
    pkt->pkt_comp = savec;
    pkt->pkt_time = savet;
    return rval;
}
