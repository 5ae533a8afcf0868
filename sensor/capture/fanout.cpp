// SPDX-License-Identifier: Apache-2.0
#include "fanout.h"

#include "core/text.h"

#include <array>
#include <cerrno>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdexcept>
#include <sys/socket.h>

namespace printwatch::capture {

namespace {

// The kernel's own flow-hash mode (PACKET_FANOUT_HASH) would do for both directions of a flow,
// but it hashes the VLAN tag too: on a trunk SPAN the copies of one packet on two VLANs (a
// routed hop) would reach two workers, each with its own duplicate filter, and the attempt
// would count twice. So a classic BPF program picks the worker instead, by the sum of the two
// addresses: symmetric, blind to VLAN tags and ports, and the same for every fragment.
//
// The kernel runs it at the network header of a received frame, and at the link header of one
// the host sends (PACKET_OUTGOING): X holds that offset. One in-band VLAN tag left after the
// kernel has taken the outer one (QinQ) is stepped over. The kernel takes the result modulo the
// number of members.
constexpr std::uint32_t kOutgoingOffset = 14;  // an Ethernet header
constexpr std::uint32_t kVlanTag = 4;

constexpr sock_filter stmt(std::uint16_t code, std::uint32_t k) {
    return sock_filter{code, 0, 0, k};
}
constexpr sock_filter jeq(std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    return sock_filter{BPF_JMP | BPF_JEQ | BPF_K, jt, jf, k};
}
// Scratch memory: M[0] the network header's offset, M[1] the running sum.
constexpr std::uint32_t kOffset = 0;
constexpr std::uint32_t kSum = 1;
// Opcodes that the kernel's macros would spell with two zero parts (BPF_LD, BPF_W, BPF_ADD and
// BPF_K are all 0).
constexpr std::uint16_t kLoadWordAbs = BPF_ABS;         // BPF_LD | BPF_W | BPF_ABS
constexpr std::uint16_t kLoadWordInd = BPF_IND;         // BPF_LD | BPF_W | BPF_IND
constexpr std::uint16_t kLoadMem = BPF_MEM;             // BPF_LD | BPF_W | BPF_MEM
constexpr std::uint16_t kLoadXImm = BPF_LDX | BPF_IMM;  // | BPF_W
constexpr std::uint16_t kLoadXMem = BPF_LDX | BPF_MEM;  // | BPF_W
constexpr std::uint16_t kAddImm = BPF_ALU;              // BPF_ALU | BPF_ADD | BPF_K
constexpr std::uint16_t kAddX = BPF_ALU | BPF_X;        // BPF_ALU | BPF_ADD | BPF_X

// The jumps count instructions; the comments give the indexes they land on.
constexpr std::array kProgram{
    // 0: X = where the network header starts; M[0] keeps it.
    stmt(kLoadWordAbs, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    jeq(PACKET_OUTGOING, 0, 2),  // -> 2, else -> 4
    stmt(kLoadXImm, kOutgoingOffset),
    stmt(BPF_JMP | BPF_JA, 1),  // -> 5
    stmt(kLoadXImm, 0),
    stmt(BPF_STX, kOffset),
    // 6: M[1] = the network protocol, past one in-band VLAN tag.
    stmt(kLoadWordAbs, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL)),
    stmt(BPF_ST, kSum),
    jeq(ETH_P_8021Q, 1, 0),             // -> 10, else -> 9
    jeq(ETH_P_8021AD, 0, 6),            // -> 10, else -> 16
    stmt(BPF_LD | BPF_H | BPF_IND, 2),  // the inner ethertype
    stmt(BPF_ST, kSum),
    stmt(BPF_MISC | BPF_TXA, 0),
    stmt(kAddImm, kVlanTag),
    stmt(BPF_MISC | BPF_TAX, 0),
    stmt(BPF_STX, kOffset),
    // 16: IPv4 or IPv6; anything else goes to the first worker.
    stmt(kLoadMem, kSum),
    jeq(ETH_P_IP, 2, 0),    // -> 20, else -> 18
    jeq(ETH_P_IPV6, 7, 0),  // -> 26, else -> 19
    stmt(BPF_RET | BPF_K, 0),
    // 20: IPv4: source + destination.
    stmt(kLoadWordInd, 12),
    stmt(BPF_ST, kSum),
    stmt(kLoadWordInd, 16),
    stmt(kLoadXMem, kSum),
    stmt(kAddX, 0),
    stmt(BPF_JMP | BPF_JA, 15),  // -> 41
    // 26: IPv6: the first and the last word of each address.
    stmt(kLoadWordInd, 8),
    stmt(BPF_ST, kSum),
    stmt(kLoadWordInd, 20),
    stmt(kLoadXMem, kSum),
    stmt(kAddX, 0),
    stmt(BPF_ST, kSum),
    stmt(kLoadXMem, kOffset),
    stmt(kLoadWordInd, 24),
    stmt(kLoadXMem, kSum),
    stmt(kAddX, 0),
    stmt(BPF_ST, kSum),
    stmt(kLoadXMem, kOffset),
    stmt(kLoadWordInd, 36),
    stmt(kLoadXMem, kSum),
    stmt(kAddX, 0),
    // 41: fold the high half in, so that the modulo sees every byte.
    stmt(BPF_MISC | BPF_TAX, 0),
    stmt(BPF_ALU | BPF_RSH | BPF_K, 16),
    stmt(BPF_ALU | BPF_XOR | BPF_X, 0),
    stmt(BPF_RET | BPF_A, 0),
};

[[noreturn]] void refused(const std::string& iface, const char* what) {
    throw std::runtime_error("-i " + iface + ": --workers: " + what + ": " +
                             core::errno_text(errno));
}

}  // namespace

std::uint16_t join_fanout(int fd, std::optional<std::uint16_t> group, const std::string& iface) {
    constexpr std::uint32_t kModeShift = 16;
    std::uint32_t arg = static_cast<std::uint32_t>(PACKET_FANOUT_CBPF) << kModeShift;
    arg |= group ? *group : static_cast<std::uint32_t>(PACKET_FANOUT_FLAG_UNIQUEID) << kModeShift;
    if (::setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
        refused(iface, "joining the fanout group");
    }
    if (!group) {
        socklen_t len = sizeof arg;
        if (::getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) != 0) {
            refused(iface, "reading the fanout group");
        }
        group = static_cast<std::uint16_t>(arg & 0xFFFFU);
    }
    auto program = kProgram;  // the kernel's struct takes a non-const pointer
    sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
    if (::setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &fprog, sizeof fprog) != 0) {
        refused(iface, "installing the fanout program");
    }
    return *group;
}

}  // namespace printwatch::capture
