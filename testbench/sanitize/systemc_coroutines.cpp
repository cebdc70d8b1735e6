// Sanitizer builds only (DDISIM_SANITIZE; linked into ddisim and every test
// executable): makes AddressSanitizer and LeakSanitizer work with SystemC's
// coroutines.
//
// Debian's libsystemc tells the sanitizer about its coroutine switches (it
// calls the fiber hooks when the sanitizer runtime is present), but not
// correctly in two places:
//  - a switch back to the kernel's (main) coroutine announces an empty stack
//    range, since the library keeps no bounds for the main stack; and
//  - the switch away from an SC_THREAD that has ended is not announced at
//    all, so the coroutine that runs next (the kernel or another thread) is
//    taken to run on the ended thread's stack, which is freed by then.
// Two consequences, one fix each:
//
// 1. Lost leaks. The allocator records each block's call stack with the fast
//    (frame-pointer) unwinder, which only follows frames inside the stack it
//    believes current. With the wrong range the record is empty, and
//    LeakSanitizer counts a block without a caller as reachable ("may have
//    been allocated in a coroutine"). So every block allocated by the kernel,
//    by SC_METHODs, by sc_main after sc_start, or by a thread that follows an
//    ended one, was never reported as leaked. The default options below make
//    the allocator use the DWARF unwinder, which needs no stack range.
//    ASAN_OPTIONS in the environment still override them.
//
// 2. A crash at exit. LeakSanitizer scans the main thread's "stack" for
//    pointers; after a thread has ended that is the ended thread's freed
//    stack, and the scan dies ("Tracer caught signal 11 … LeakSanitizer has
//    encountered a fatal error") although every test passed. An exit handler,
//    registered after the sanitizer runtime's own leak check (so it runs
//    before it), announces a switch to the stack the main thread is really on
//    (pthread_getattr_np).
//
// testbench/tests/sanitize checks both: a block leaked after sc_start, with
// threads that end, is reported.
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#include <cstdlib>

extern "C" {
// Read by the sanitizer runtime at start-up, before the environment's
// ASAN_OPTIONS (which take precedence).
__attribute__((visibility("default"), used)) const char* __asan_default_options() {
    return "fast_unwind_on_malloc=0";
}
}

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
