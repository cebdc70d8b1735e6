// Sanitizer builds only (DDISIM_SANITIZE; linked into ddisim and every test
// executable): gives LeakSanitizer's exit-time scan the main thread's real
// stack.
//
// Why: Debian's libsystemc tells AddressSanitizer about its coroutine
// switches (the fiber hooks it calls when the sanitizer runtime is present),
// but after an SC_THREAD has returned, the sanitizer can be left believing
// the main thread still runs on that thread's stack, which has been freed by
// then. At exit, LeakSanitizer scans the main thread's "stack" for pointers,
// reads the freed range and dies ("Tracer caught signal 11 … LeakSanitizer
// has encountered a fatal error") although every test passed; on some hosts
// in most runs of a design whose threads end.
//
// What: an exit handler, registered after the sanitizer runtime's own leak
// check (so it runs before it), announces a switch to the stack the main
// thread is really on (pthread_getattr_np). Leak checking stays on.
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#include <cstdlib>

namespace {

void back_to_main_stack() {
    pthread_attr_t attr;
    if (::pthread_getattr_np(::pthread_self(), &attr) != 0) return;
    void* bottom = nullptr;
    std::size_t size = 0;
    const int rc = ::pthread_attr_getstack(&attr, &bottom, &size);
    ::pthread_attr_destroy(&attr);
    if (rc != 0 || !bottom || !size) return;
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
    const void* old_bottom = nullptr;
    std::size_t old_size = 0;
    __sanitizer_finish_switch_fiber(fake_stack, &old_bottom, &old_size);
}

[[maybe_unused]] const int registered = std::atexit(back_to_main_stack);

} // namespace
