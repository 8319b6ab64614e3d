#include "net/connection.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace elector::net {

Connection::Connection(asio::ip::tcp::socket socket, bool outgoing, std::string key, Owner* owner,
                       std::size_t max_queue_bytes)
    : socket_(std::move(socket)),
      outgoing_(outgoing),
      key_(std::move(key)),
      owner_(owner),
      max_queue_bytes_(max_queue_bytes) {}

std::string Connection::remote() const {
  asio::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  if (ec) return key_.empty() ? std::string("?") : key_;
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

void Connection::start() {
  if (started_ || closed_) return;
  started_ = true;
  asio::error_code ec;
  // Heartbeats and votes are small and latency-bound: never hold them back to fill a segment.
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  read_more();
  write_next();
}

bool Connection::queue(Packet p) {
  if (closed_) return false;
  if (queued_bytes_ + p->size() > max_queue_bytes_) return false;
  queued_bytes_ += p->size();
  queue_.push_back(std::move(p));
  write_next();
  return true;
}

void Connection::close_after_flush() {
  closing_by_us = true;
  close_when_flushed_ = true;
  // A connection still connecting keeps its queue: a Leave or Resign sent just before stop()
  // goes out once the connect completes (or is dropped with the connection if it fails).
  if (started_ && !writing_ && queue_.empty()) close_now();
}

void Connection::close_now() {
  if (closed_) return;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  finish();
}

void Connection::finish() {
  if (closed_) return;
  closed_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  owner_->closed(shared_from_this());
}

void Connection::read_more() {
  // One buffer for the whole stream: a read takes whatever has arrived (often several frames),
  // so a small frame costs one system call, not a header read plus a body read.
  if (rbuf_.size() - rlen_ < kReadChunk / 2)
    rbuf_.resize(std::max(rbuf_.size(), rlen_ + kReadChunk));
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(rbuf_.data() + rlen_, rbuf_.size() - rlen_),
                          [self](const asio::error_code& ec, std::size_t n) {
                            if (ec) {
                              self->close_now();
                              return;
                            }
                            self->rlen_ += n;
                            if (self->parse_frames()) self->read_more();
                          });
}

bool Connection::parse_frames() {
  std::size_t pos = 0;
  while (!closed_ && rlen_ - pos >= 4) {
    const std::uint8_t* h = rbuf_.data() + pos;
    const std::uint32_t len =
        static_cast<std::uint32_t>(h[0]) | (static_cast<std::uint32_t>(h[1]) << 8) |
        (static_cast<std::uint32_t>(h[2]) << 16) | (static_cast<std::uint32_t>(h[3]) << 24);
    if (len > wire::kMaxPacket) {
      owner_->oversized(shared_from_this());
      return false;
    }
    if (rlen_ - pos - 4 < len) {
      // An incomplete frame: make room for all of it.
      if (rbuf_.size() < len + 4) rbuf_.resize(len + 4);
      break;
    }
    owner_->packet(shared_from_this(), std::span<const std::uint8_t>(h + 4, len));
    pos += 4 + len;
  }
  if (closed_) return false;
  if (pos > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + pos, rlen_ - pos);
    rlen_ -= pos;
  }
  // A burst of big frames may have grown the buffer: give the memory back once it is drained.
  if (rlen_ == 0 && rbuf_.size() > 4 * kReadChunk) {
    rbuf_.resize(kReadChunk);
    rbuf_.shrink_to_fit();
  }
  return true;
}

void Connection::write_next() {
  if (!started_ || writing_ || closed_) return;
  if (queue_.empty()) {
    if (close_when_flushed_) close_now();
    return;
  }
  writing_ = true;
  const auto n = static_cast<std::uint32_t>(queue_.front()->size());
  for (std::size_t i = 0; i < 4; ++i) out_header_[i] = static_cast<std::uint8_t>(n >> (8 * i));
  const std::array<asio::const_buffer, 2> bufs{asio::buffer(out_header_),
                                               asio::buffer(*queue_.front())};
  auto self = shared_from_this();
  asio::async_write(socket_, bufs, [self](const asio::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (self->closed_) return;
    if (ec) {
      self->close_now();
      return;
    }
    self->queued_bytes_ -= self->queue_.front()->size();
    self->queue_.pop_front();
    self->write_next();
  });
}

}  // namespace elector::net
