// SPDX-License-Identifier: Apache-2.0
// ServiceCatalog: the printer services, numbered in the order the registry lists them. Core
// knows no protocol: every service, its label and the dissector that serves it come from the
// DissectorInfo records (dissectors/registry.cpp), so a new protocol brings its own.
#pragma once

#include "dissector.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace printwatch::core {

/// A printer service by its number in the catalog; None is no printer service.
enum class ServiceId : std::uint8_t { None = 0 };

class ServiceCatalog {
  public:
    /// At most this many services, so that a printer's services fit a 32-bit set.
    static constexpr std::size_t kMaxServices = 31;

    struct Entry {
        std::string_view label;
        const DissectorInfo* dissector = nullptr;
        const PortGroup* group = nullptr;
        std::uint16_t port = 0;  // the port that names it, 0 for the rest of its group
    };

    ServiceCatalog() = default;
    /// Throws std::invalid_argument on a registry that is not well-formed (a duplicate label or
    /// group key, too many services): that is a programming error, caught by any test run.
    explicit ServiceCatalog(std::span<const DissectorInfo* const> registry);

    /// Every service, in registry order: entry i is ServiceId(i + 1).
    [[nodiscard]] std::span<const Entry> entries() const noexcept { return entries_; }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] static std::size_t index(ServiceId id) noexcept {
        return static_cast<std::size_t>(id) - 1;
    }
    [[nodiscard]] static ServiceId id_at(std::size_t index) noexcept {
        return static_cast<ServiceId>(index + 1);
    }
    /// The service's entry, or nullptr for None.
    [[nodiscard]] const Entry* find(ServiceId id) const noexcept {
        return id == ServiceId::None || index(id) >= entries_.size() ? nullptr
                                                                     : &entries_[index(id)];
    }
    /// "raw", "bjnp-printer"...; "none" for None.
    [[nodiscard]] std::string_view label(ServiceId id) const noexcept;
    /// The service of this label, None when there is none.
    [[nodiscard]] ServiceId by_label(std::string_view label) const noexcept;
    /// The service that `port` of `group` is.
    [[nodiscard]] ServiceId of(const PortGroup& group, std::uint16_t port) const noexcept;
    /// Every port group, in registry order.
    [[nodiscard]] const std::vector<const PortGroup*>& groups() const noexcept { return groups_; }

  private:
    std::vector<Entry> entries_;
    std::vector<const PortGroup*> groups_;
};

}  // namespace printwatch::core
