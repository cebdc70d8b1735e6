// SCSA, target side (spec §6, §7.1): scsi_init_pkt and the obsolete
// resource functions route to the HBA's tran_* vectors with only NULL_FUNC or
// SLEEP_FUNC, queue the target's real callback on scsi_callback_id when the
// HBA returns NULL, and run that list after every packet/DMA free. Also the
// b_error mapping of §7.1 and the buf error helpers.
#include "sw/scsi/scsa.h"

#include "sw/ddi/ddi_state.h"

using namespace ddisim::scsa;
using ddisim::kernel::kernel_context;

namespace {

int (*downcall(int (*callback)(caddr_t)))(caddr_t) { return callback == SLEEP_FUNC ? SLEEP_FUNC : NULL_FUNC; }

bool real_callback(int (*callback)(caddr_t)) { return callback != NULL_FUNC && callback != SLEEP_FUNC; }

void queue(kernel_context* k, int (*callback)(caddr_t), caddr_t arg) {
    if (k && real_callback(callback)) ddisim::ddi::set_callback(*k, callback, arg, &state(*k).callback_id);
}

kernel_context* kernel_of_pkt(const scsi_pkt* pkt) { return kernel_of(pkt->pkt_address.a_hba_tran); }

} // namespace

extern "C" struct scsi_pkt* scsi_init_pkt(struct scsi_address* ap, struct scsi_pkt* pkt, struct buf* bp, int cmdlen,
                                         int statuslen, int privatelen, int flags, int (*callback)(caddr_t),
                                         caddr_t arg) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_init_pkt) return nullptr;
    kernel_context* k = kernel_of(ap->a_hba_tran);
    if (k) k->charge(state(*k).cfg.costs.init_pkt_ns);
    if (flags & PKT_CONSISTENT_OLD) { // x86 binary compatibility (spec §7.1 step 1)
        flags &= ~PKT_CONSISTENT_OLD;
        flags |= PKT_CONSISTENT;
    }
    scsi_pkt* p = ap->a_hba_tran->tran_init_pkt(ap, pkt, bp, cmdlen, statuslen, privatelen, flags,
                                                downcall(callback), nullptr);
    if (!p) queue(k, callback, arg);
    return p;
}

extern "C" void scsi_destroy_pkt(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_address.a_hba_tran) return;
    kernel_context* k = kernel_of_pkt(pkt);
    if (k) k->charge(state(*k).cfg.costs.destroy_pkt_ns);
    scsi_address* ap = &pkt->pkt_address;
    ap->a_hba_tran->tran_destroy_pkt(ap, pkt);
    if (k) run_callbacks(*k);
}

extern "C" void scsi_sync_pkt(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_address.a_hba_tran) return;
    scsi_address* ap = &pkt->pkt_address;
    if ((pkt->pkt_state & STATE_XFERRED_DATA) && ap->a_hba_tran->tran_sync_pkt) ap->a_hba_tran->tran_sync_pkt(ap, pkt);
}

extern "C" struct scsi_pkt* scsi_resalloc(struct scsi_address* ap, int cmdlen, int statuslen, opaque_t dmatoken,
                                         int (*callback)(caddr_t)) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_init_pkt) return nullptr;
    scsi_pkt* p = ap->a_hba_tran->tran_init_pkt(ap, nullptr, static_cast<buf*>(dmatoken), cmdlen, statuslen, 0, 0,
                                                downcall(callback), nullptr);
    if (!p) queue(kernel_of(ap->a_hba_tran), callback, nullptr);
    return p;
}

extern "C" struct scsi_pkt* scsi_pktalloc(struct scsi_address* ap, int cmdlen, int statuslen,
                                         int (*callback)(caddr_t)) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_init_pkt) return nullptr;
    scsi_pkt* p =
        ap->a_hba_tran->tran_init_pkt(ap, nullptr, nullptr, cmdlen, statuslen, 0, 0, downcall(callback), nullptr);
    if (!p) queue(kernel_of(ap->a_hba_tran), callback, nullptr);
    return p;
}

extern "C" struct scsi_pkt* scsi_dmaget(struct scsi_pkt* pkt, opaque_t dmatoken, int (*callback)(caddr_t)) {
    if (!pkt || !pkt->pkt_address.a_hba_tran || !pkt->pkt_address.a_hba_tran->tran_init_pkt) return nullptr;
    scsi_pkt* p = pkt->pkt_address.a_hba_tran->tran_init_pkt(&pkt->pkt_address, pkt, static_cast<buf*>(dmatoken), 0,
                                                             0, 0, 0, downcall(callback), nullptr);
    if (!p) queue(kernel_of_pkt(pkt), callback, nullptr);
    return p;
}

extern "C" void scsi_dmafree(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_address.a_hba_tran) return;
    scsi_address* ap = &pkt->pkt_address;
    if (ap->a_hba_tran->tran_dmafree) ap->a_hba_tran->tran_dmafree(ap, pkt);
    if (kernel_context* k = kernel_of_pkt(pkt)) run_callbacks(*k);
}

extern "C" void scsi_resfree(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_address.a_hba_tran) return;
    kernel_context* k = kernel_of_pkt(pkt);
    if (k) k->charge(state(*k).cfg.costs.destroy_pkt_ns);
    scsi_address* ap = &pkt->pkt_address;
    ap->a_hba_tran->tran_destroy_pkt(ap, pkt);
    if (k) run_callbacks(*k);
}

extern "C" uintptr_t* scsi_callback_id_addr(void) {
    static uintptr_t no_kernel = 0;
    kernel_context* k = kernel_context::current();
    if (!k) {
        no_kernel = 0;
        return &no_kernel;
    }
    return &state(*k).callback_id;
}

// ---- b_error mapping (spec §7.1) ----

extern "C" int scsi_dma_errno(int ddi_dma_result) {
    switch (ddi_dma_result) {
    case DDI_DMA_MAPPED:
    case DDI_DMA_PARTIAL_MAP:
    case DDI_DMA_NORESOURCES: // no error: retry later
        return 0;
    case DDI_DMA_TOOBIG:
        return EINVAL;
    default: // NOMAPPING, INUSE, anything else
        return EFAULT;
    }
}

extern "C" void scsi_dma_bioerror(struct buf* bp, int ddi_dma_result) {
    if (!bp) return;
    const int e = scsi_dma_errno(ddi_dma_result);
    if (e != 0)
        bioerror(bp, e);
    else if (ddi_dma_result == DDI_DMA_NORESOURCES)
        bp->b_error = 0;
}

extern "C" void bioerror(struct buf* bp, int error) {
    if (!bp) return;
    if (error != 0)
        bp->b_flags |= B_ERROR;
    else
        bp->b_flags &= ~B_ERROR;
    bp->b_error = error;
}

extern "C" int geterror(struct buf* bp) {
    if (!bp || !(bp->b_flags & B_ERROR)) return 0;
    return bp->b_error != 0 ? bp->b_error : EIO;
}
