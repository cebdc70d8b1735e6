#include "sw/ddi/fault.h"

#include "sw/ddi/handle.h"

namespace ddisim::ddi {
void dma_set_fault(ddi_dma_handle_t h) {
    if (h) to_impl(h)->faulted = true;
}
void dma_clear_fault(ddi_dma_handle_t h) {
    if (h) to_impl(h)->faulted = false;
}
} // namespace ddisim::ddi
