// ddisim::kernel panic — what the simulated kernel does where illumos would
// call panic(): ddi_dma_cookie_one with != 1 cookie, ddi_dma_nextcookie
// over-run, the sgllen = 1 divide-by-zero of spec §8.3, a callback queued at
// the DDI_DMA_SLEEP address (spec §8.12), heap corruption the real kernel
// would suffer (window-array over-run).
//
// The DDI never crashes the host process. kernel_context::panic() calls the
// context's panic hook; the default hook throws panic_error, which tests and
// the bind explorer catch (the explorer reports "result": "PANIC" with the
// reason). The simulator's platform installs a hook that records the reason,
// time and thread, pauses the simulation and parks the thread for good
// (`ddisim run` reports the panic and exits with status 1). A hook must not
// return normally: if it does, panic_error is thrown anyway (the platform's
// hook returns outside a software thread).
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace ddisim::kernel {

class panic_error : public std::runtime_error {
public:
    explicit panic_error(const std::string& reason) : std::runtime_error(reason) {}
};

using panic_hook = std::function<void(const std::string& reason)>;

} // namespace ddisim::kernel
