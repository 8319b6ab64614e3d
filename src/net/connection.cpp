#include "net/connection.hpp"

#include "net/host_port.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace elector::net {

Connection::Connection(boost::asio::ip::tcp::socket socket, bool outgoing, std::string key,
                       Owner* owner, std::size_t max_queue_bytes)
    : socket_(std::move(socket)),
      outgoing_(outgoing),
      key_(std::move(key)),
      owner_(owner),
      max_queue_bytes_(max_queue_bytes) {}

std::string Connection::remote() const {
  boost::system::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  if (ec) return key_.empty() ? std::string("?") : key_;
  return join_host_port(ep.address().to_string(), ep.port());
}

void Connection::start() {
  if (started_ || closed_) return;
  started_ = true;
  boost::system::error_code ec;
  // Heartbeats and votes are small and latency-bound: never hold them back to fill a segment.
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
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

void Connection::pop_front() {
  queue_[head_].reset();  // sent: its memory goes now, not when the queue empties
  if (++head_ < queue_.size()) return;
  // Empty: start again at the front, and give a burst's memory back.
  queue_.clear();
  head_ = 0;
  if (queue_.capacity() > kKeptQueueCapacity) queue_.shrink_to_fit();
}

void Connection::close_now() {
  if (closed_) return;
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  finish();
}

void Connection::finish() {
  if (closed_) return;
  closed_ = true;
  queue_.clear();
  head_ = 0;
  queued_bytes_ = 0;
  owner_->closed(shared_from_this());
}

void Connection::read_more() {
  // Waiting for data needs no buffer: a leader holds a connection to each of hundreds of members,
  // and a read buffer each, posted with every pending read, was most of its memory. What
  // arrives is read into one scratch buffer of the loop's thread; only a frame cut in the middle
  // is kept, in this connection's own buffer.
  auto self = shared_from_this();
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [self](const boost::system::error_code& ec) {
                       if (ec) {
                         self->close_now();
                         return;
                       }
                       if (self->drain()) self->read_more();
                     });
}

bool Connection::drain() {
  static thread_local std::vector<std::uint8_t> scratch(kScratch);
  // A wait posted before read_now() found the end may still complete: nothing after a refused
  // length is a frame.
  if (stream_over_) return false;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(scratch), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) return true;
    if (ec) {
      close_now();
      return false;
    }
    // Until the socket says it is empty: the wait only reports data that arrives later.
    if (!consume(scratch.data(), n)) return false;
  }
}

bool Connection::read_now() {
  if (!started_ || closed_) return false;
  return drain();
}

namespace {

std::uint32_t frame_length(const std::uint8_t* h) {
  return static_cast<std::uint32_t>(h[0]) | (static_cast<std::uint32_t>(h[1]) << 8) |
         (static_cast<std::uint32_t>(h[2]) << 16) | (static_cast<std::uint32_t>(h[3]) << 24);
}

}  // namespace

bool Connection::consume(const std::uint8_t* data, std::size_t n) {
  std::size_t pos = 0;
  if (!rbuf_.empty()) {
    const auto used = complete_frame(data, n);
    if (!used) return false;
    if (!rbuf_.empty()) return true;  // still under way: it took everything
    pos = *used;
  }
  const auto used = deliver_frames(data + pos, n - pos);
  if (!used) return false;
  pos += *used;
  if (pos < n) {
    // The start of a frame still on its way, whose length (if it arrived) deliver_frames checked.
    rbuf_.reserve(n - pos >= 4 ? 4 + frame_length(data + pos) : 4);
    rbuf_.assign(data + pos, data + n);
  }
  return true;
}

std::optional<std::size_t> Connection::complete_frame(const std::uint8_t* data, std::size_t n) {
  std::size_t pos = 0;
  if (rbuf_.size() < 4) {
    pos = std::min(4 - rbuf_.size(), n);
    rbuf_.insert(rbuf_.end(), data, data + pos);
    if (rbuf_.size() < 4) return pos;
    const std::uint32_t len = frame_length(rbuf_.data());
    if (!length_allowed(len)) {
      std::vector<std::uint8_t>().swap(rbuf_);  // the stream is over: keep nothing of it
      return std::nullopt;
    }
    std::vector<std::uint8_t> sized;
    sized.reserve(4 + std::size_t{len});
    sized.assign(rbuf_.begin(), rbuf_.end());
    rbuf_.swap(sized);
  }
  const std::size_t total = 4 + std::size_t{frame_length(rbuf_.data())};
  const std::size_t take = std::min(total - rbuf_.size(), n - pos);
  rbuf_.insert(rbuf_.end(), data + pos, data + pos + take);
  pos += take;
  if (rbuf_.size() < total) return pos;
  // Out of rbuf_ before the owner sees it: the buffer is empty (and its memory goes) whatever the
  // owner does with this connection meanwhile.
  std::vector<std::uint8_t> whole;
  whole.swap(rbuf_);
  owner_->packet(shared_from_this(), std::span<const std::uint8_t>(whole.data() + 4, total - 4));
  if (closed_) return std::nullopt;
  return pos;
}

bool Connection::length_allowed(std::uint32_t len) {
  if (len <= max_frame_) return true;
  stream_over_ = true;
  owner_->oversized(shared_from_this());
  return false;
}

std::optional<std::size_t> Connection::deliver_frames(const std::uint8_t* data, std::size_t n) {
  std::size_t pos = 0;
  while (!closed_ && n - pos >= 4) {
    const std::uint8_t* h = data + pos;
    // Checked against the limit of now: the frame before may have raised it (authenticated).
    const std::uint32_t len = frame_length(h);
    if (!length_allowed(len)) return std::nullopt;
    if (n - pos - 4 < len) break;  // an incomplete frame
    owner_->packet(shared_from_this(), std::span<const std::uint8_t>(h + 4, len));
    pos += 4 + len;
  }
  if (closed_) return std::nullopt;
  return pos;
}

void Connection::write_next() {
  if (!started_ || writing_ || closed_) return;
  if (queue_.empty()) {
    if (close_when_flushed_) close_now();
    return;
  }
  writing_ = true;
  const auto n = static_cast<std::uint32_t>(queue_[head_]->size());
  for (std::size_t i = 0; i < 4; ++i) out_header_[i] = static_cast<std::uint8_t>(n >> (8 * i));
  const std::array<boost::asio::const_buffer, 2> bufs{boost::asio::buffer(out_header_),
                                                      boost::asio::buffer(*queue_[head_])};
  auto self = shared_from_this();
  boost::asio::async_write(socket_, bufs, [self](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (self->closed_) return;
    if (ec) {
      self->close_now();
      return;
    }
    self->queued_bytes_ -= self->queue_[self->head_]->size();
    self->pop_front();
    self->write_next();
  });
}

}  // namespace elector::net
