// SPDX-License-Identifier: Apache-2.0
// FunctionRef: a non-owning reference to a callable, for callbacks on the per-packet path.
// std::function may heap-allocate a lambda that captures more than two pointers; this never
// allocates. The referenced callable must outlive the call (it is a parameter, not stored).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace printwatch::core {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
  public:
    /// Any callable but a FunctionRef itself, so copying a FunctionRef copies the reference.
    template <class F>
    using Callable = std::enable_if_t<!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
                                      std::is_invocable_r_v<R, F&, Args...>>;

    template <class F, class = Callable<F>>
    FunctionRef(
        F&& f) noexcept  // NOLINT(google-explicit-constructor,bugprone-forwarding-reference-overload)
        : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),  // NOLINT
          call_([](void* object, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(object))(
                  std::forward<Args>(args)...);
          }) {}

    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

  private:
    void* object_;
    R (*call_)(void*, Args...);
};

}  // namespace printwatch::core
