// ddisim::ddi fault marking — the i_ddi_dma_set_fault of illumos FMA: a
// handle marked faulted makes ddi_check_dma_handle return DDI_FAILURE
// (spec §3.13). The simulator calls it when the IOMMU or a bus reports an
// error for the device's DMA.
#pragma once
#include <sys/sunddi.h>

namespace ddisim::ddi {
void dma_set_fault(ddi_dma_handle_t h);
void dma_clear_fault(ddi_dma_handle_t h);
} // namespace ddisim::ddi
