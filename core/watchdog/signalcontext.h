#pragma once
// What a signal handler can learn of the code it interrupted, from the ucontext the kernel hands
// it. Shared by the watchdog's stack capture and the CPU sampler.

#include <cstdint>
#include <ucontext.h>

namespace coroscope {

/// The interrupted instruction's address; 0 when the architecture is not one decoded here.
/// Async-signal-safe.
inline std::uintptr_t interruptedPc(void* context) noexcept {
    const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
    return std::uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__i386__)
    return std::uintptr_t(uc->uc_mcontext.gregs[REG_EIP]);
#elif defined(__aarch64__)
    return std::uintptr_t(uc->uc_mcontext.pc);
#else
    (void)uc;
    return 0;
#endif
}

} // namespace coroscope
