#include "daemon/http_connection.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/write.hpp>

namespace elector::daemon {

namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using std::chrono::milliseconds;

/// How long a connection that was answered "Connection: close" may take to close its side.
constexpr milliseconds kLinger{2'000};

}  // namespace

HttpConnection::HttpConnection(HttpServer::Impl& server, HttpSocket socket)
    : server_(server), socket_(std::move(socket)), timer_(server.io) {
  error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) peer_ = describe_peer(remote.data(), remote.size());
}

void HttpConnection::start() {
  arm_timer(server_.opts.idle_timeout);
  read();
}

void HttpConnection::respond(const HttpResponse& r) {
  if (phase_ != Phase::handling) return;  // closed meanwhile
  const bool last = !keep_alive_ || server_.stopping.load();
  phase_ = Phase::writing;
  whole_ = whole_message(r, last, head_only_);
  write([this](auto handler) { http::async_write(socket_, whole_, std::move(handler)); },
        [self = shared_from_this(), last] {
          if (last) return self->linger();
          self->phase_ = Phase::reading;
          self->arm_timer(self->server_.opts.idle_timeout);
          self->parse();  // a pipelined request may be waiting already
        });
}

void HttpConnection::respond_error(int status, const std::string& message) {
  respond(server_.opts.error_response(status, message));
}

void HttpConnection::stream(const HttpResponse& head, std::shared_ptr<StreamSource> source,
                            milliseconds keepalive, std::string keepalive_text) {
  if (phase_ != Phase::handling) return;
  phase_ = Phase::streaming;
  source_ = std::move(source);
  ++server_.stream_count;
  keepalive_ = keepalive;
  keepalive_text_ = std::move(keepalive_text);
  head_ = stream_head(head);
  head_writer_ = std::make_unique<http::response_serializer<http::empty_body>>(head_);
  write([this](
            auto handler) { http::async_write_header(socket_, *head_writer_, std::move(handler)); },
        [self = shared_from_this()] { self->stream_written(); });
  // The client sends nothing more; a read notices at once when it goes away.
  read();
}

void HttpConnection::pump() {
  if (phase_ != Phase::streaming || writing_) return;
  std::string data;
  if (source_->pull(data) == StreamSource::Pull::end) return end_stream(std::move(data));
  if (!data.empty()) write_chunk(std::move(data));
}

void HttpConnection::shutdown() {
  if (phase_ == Phase::streaming && !writing_) {
    error_code ignored;
    socket_.non_blocking(true, ignored);
    boost::asio::write(socket_, http::make_chunk_last(), ignored);
  }
  close();
}

void HttpConnection::close() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  error_code ignored;
  socket_.close(ignored);
  ++timer_gen_;
  timer_.cancel();
  if (source_) {
    // Dropping the source ends its subscription now rather than at the next event.
    source_.reset();
    --server_.stream_count;
  }
  server_.forget(this);  // may drop the last reference: nothing after this
}

void HttpConnection::read() {
  if (reading_ || phase_ == Phase::closed) return;
  reading_ = true;
  socket_.async_read_some(boost::asio::buffer(rbuf_),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            self->reading_ = false;
                            self->on_read(ec, n);
                          });
}

void HttpConnection::on_read(const error_code& ec, std::size_t n) {
  if (phase_ == Phase::closed) return;
  if (ec) return close();  // the client went away (or the socket was closed)
  if (phase_ == Phase::reading) {
    in_.append(rbuf_.data(), n);
    return parse();
  }
  // Streaming or draining: what the client sends is of no use.
  read();
}

void HttpConnection::parse() {
  HttpRequest request;
  const auto p = parse_http_request(in_, server_.opts.limits, request);
  switch (p.state) {
    case HttpParse::State::incomplete:
      return read();
    case HttpParse::State::error:
      // Where the next request would begin is unknown: answer and close.
      phase_ = Phase::handling;
      keep_alive_ = false;
      head_only_ = false;
      in_.clear();
      return respond_error(p.status, p.message);
    case HttpParse::State::complete:
      return dispatch(std::move(request));
  }
}

void HttpConnection::dispatch(HttpRequest request) {
  phase_ = Phase::handling;
  ++timer_gen_;
  timer_.cancel();  // a handler may take long (elect?sync=true): not an idle connection
  keep_alive_ = request.keep_alive;
  head_only_ = request.method == "HEAD";
  request.peer = peer_.text;
  request.peer_local = peer_.local;
  auto exchange =
      std::make_shared<HttpExchange>(std::move(request), weak_from_this(), server_.gate);
  try {
    server_.handler(exchange);
  } catch (const std::exception& e) {
    spdlog::error("control API: {} {}: {}", exchange->request().method, exchange->request().target,
                  e.what());
    HttpResponse r = server_.opts.error_response(500, e.what());
    exchange->respond(std::move(r));
  }
}

template <class Op, class Done>
void HttpConnection::write(Op op, Done done) {
  writing_ = true;
  if (phase_ == Phase::streaming) arm_timer(keepalive_);
  op([self = shared_from_this(), done = std::move(done)](const error_code& ec,
                                                         std::size_t) mutable {
    self->writing_ = false;
    self->stalled_intervals_ = 0;
    if (self->phase_ == Phase::closed) return;
    if (ec) return self->close();
    done();
  });
}

void HttpConnection::write_chunk(std::string data) {
  chunk_ = std::move(data);
  write(
      [this](auto handler) {
        boost::asio::async_write(socket_, http::make_chunk(boost::asio::buffer(chunk_)),
                                 std::move(handler));
      },
      [self = shared_from_this()] { self->stream_written(); });
}

void HttpConnection::stream_written() {
  if (phase_ != Phase::streaming) return;
  arm_timer(keepalive_);
  pump();
}

void HttpConnection::end_stream(std::string data) {
  chunk_ = std::move(data);
  auto done = [self = shared_from_this()] { self->linger(); };
  if (chunk_.empty()) {
    // An empty chunk would itself end the body: only the last chunk.
    return write(
        [this](auto handler) {
          boost::asio::async_write(socket_, http::make_chunk_last(), std::move(handler));
        },
        std::move(done));
  }
  write(
      [this](auto handler) {
        boost::asio::async_write(
            socket_,
            boost::beast::buffers_cat(http::make_chunk(boost::asio::buffer(chunk_)),
                                      http::make_chunk_last()),
            std::move(handler));
      },
      std::move(done));
}

void HttpConnection::linger() {
  if (phase_ == Phase::closed) return;
  if (source_) {
    source_.reset();
    --server_.stream_count;
  }
  phase_ = Phase::draining;
  error_code ignored;
  socket_.shutdown(boost::asio::socket_base::shutdown_send, ignored);
  arm_timer(std::min(kLinger, server_.opts.idle_timeout));
  read();
}

void HttpConnection::arm_timer(milliseconds after) {
  const auto gen = ++timer_gen_;
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
    // A timer re-armed or cancelled after it expired still completes: the generation tells.
    if (ec || gen != self->timer_gen_) return;
    self->on_timer();
  });
}

void HttpConnection::on_timer() {
  switch (phase_) {
    case Phase::reading:  // idle keep-alive connection or a request that does not come
    case Phase::draining:
      return close();
    case Phase::streaming:
      return keepalive();
    case Phase::handling:
    case Phase::writing:
    case Phase::closed:
      return;
  }
}

void HttpConnection::keepalive() {
  // A write still under way means the socket's send buffer is full: the client is not reading.
  // It gets opts.stream_stall (or one interval, if longer) to take the write, so that a short
  // keepalive interval, meant to show a dead stream quickly, does not also drop a reader that
  // pauses for a moment.
  if (writing_) {
    if (++stalled_intervals_ * keepalive_ >= server_.opts.stream_stall) return close();
    return arm_timer(keepalive_);
  }
  std::string data;
  if (source_->pull(data) == StreamSource::Pull::end) return end_stream(std::move(data));
  if (data.empty()) data = keepalive_text_;
  write_chunk(std::move(data));
}

}  // namespace elector::daemon
