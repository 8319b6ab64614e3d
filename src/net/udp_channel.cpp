#include "net/udp_channel.hpp"

#include <sys/socket.h>

#include <stdexcept>
#include <utility>

namespace elector::net {

using boost::asio::ip::udp;

void UdpChannel::open(const boost::asio::ip::tcp::endpoint& at, int receive_buffer,
                      const std::string& listen) {
  boost::system::error_code ec;
  socket_.open(at.address().is_v4() ? udp::v4() : udp::v6());
  socket_.bind(udp::endpoint(at.address(), at.port()), ec);
  if (ec) throw std::runtime_error("cannot listen on " + listen + " (udp): " + ec.message());
  // Best effort: a smaller buffer only loses datagrams under a burst. SO_RCVBUFFORCE passes
  // net.core.rmem_max (212992 bytes on a stock kernel: about 180 votes) where the process may
  // (CAP_NET_ADMIN); otherwise the kernel caps SO_RCVBUF at it.
  const int rcvbuf = receive_buffer;
  if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) !=
      0) {
    socket_.set_option(boost::asio::socket_base::receive_buffer_size(rcvbuf), ec);
  }
}

void UdpChannel::receive(Receiver receiver) {
  receiver_ = std::move(receiver);
  receive_next();
}

void UdpChannel::receive_next() {
  socket_.async_receive_from(boost::asio::buffer(buf_), from_,
                             [this](const boost::system::error_code& ec, std::size_t n) {
                               if (stopping_ || ec == boost::asio::error::operation_aborted) return;
                               if (!ec)
                                 receiver_(std::span<const std::uint8_t>(buf_.data(), n), from_);
                               receive_next();
                             });
}

void UdpChannel::send(const boost::asio::ip::tcp::endpoint& to, std::size_t kind, Packet p) {
  stats_.out(kind, p->size());
  const udp::endpoint dest(to.address(), to.port());
  socket_.async_send_to(boost::asio::buffer(*p), dest,
                        [p](const boost::system::error_code&, std::size_t) {});
}

void UdpChannel::close() {
  boost::system::error_code ec;
  socket_.close(ec);
}

}  // namespace elector::net
