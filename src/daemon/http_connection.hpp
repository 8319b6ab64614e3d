// One client connection of the HTTP server (http_server.hpp): reads requests, hands them to the
// handler, writes the answers with Boost.Beast, streams, keep-alive and the idle timeout.
//
// Threading: everything but construction runs on the server's I/O thread, so no member needs a
// lock. A connection lives while an I/O operation or the server's registry holds it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/serializer.hpp>

#include "daemon/http_message.hpp"
#include "daemon/http_server_impl.hpp"
#include "daemon/peer_address.hpp"

namespace elector::daemon {

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(HttpServer::Impl& server, HttpSocket socket);

  void start();
  [[nodiscard]] bool streaming() const { return phase_ == Phase::streaming; }

  /// The handler's answer (posted by HttpExchange::respond).
  void respond(const HttpResponse& r);
  /// Answers with the server's own error response (nobody answered, or the handler threw).
  void respond_error(int status, const std::string& message);
  /// The handler's streamed answer (posted by HttpExchange::stream).
  void stream(const HttpResponse& head, std::shared_ptr<StreamSource> source,
              std::chrono::milliseconds keepalive, std::string keepalive_text);
  /// Sends what the stream's source has, unless a write is under way (its completion pulls
  /// again).
  void pump();
  /// For stop(): a stream that is not in the middle of a write gets its last chunk (without
  /// waiting: the client may not read), then the connection closes.
  void shutdown();
  void close();

 private:
  enum class Phase {
    /// Waiting for (the rest of) a request.
    reading,
    /// The handler has the request; no I/O until it answers.
    handling,
    /// Writing a whole response.
    writing,
    /// Writing a streamed response (reads only notice the client leaving).
    streaming,
    /// Answered with "Connection: close": our side is shut, waiting for the client's.
    draining,
    closed,
  };

  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void parse();
  void dispatch(HttpRequest request);
  /// Starts the write `op` (called with the completion handler), then `done` unless it failed.
  template <class Op, class Done>
  void write(Op op, Done done);
  void write_chunk(std::string data);
  void stream_written();
  void end_stream(std::string data);
  /// Shuts our side and waits (briefly) for the client to close its side, so that bytes it is
  /// still sending do not turn our close into a reset that could destroy the answer in flight.
  void linger();
  void arm_timer(std::chrono::milliseconds after);
  void on_timer();
  void keepalive();

  HttpServer::Impl& server_;
  HttpSocket socket_;
  PeerAddress peer_{"unknown", false};
  boost::asio::steady_timer timer_;
  std::uint64_t timer_gen_ = 0;
  Phase phase_ = Phase::reading;
  bool reading_ = false;
  bool writing_ = false;
  bool keep_alive_ = true;
  bool head_only_ = false;
  std::string in_;
  std::array<char, 4096> rbuf_{};
  // What a write under way sends; kept here until it completes.
  HttpWhole whole_;
  HttpStreamHead head_;
  std::unique_ptr<boost::beast::http::response_serializer<boost::beast::http::empty_body>>
      head_writer_;
  std::string chunk_;
  std::shared_ptr<StreamSource> source_;
  std::chrono::milliseconds keepalive_{15'000};
  // Keepalive intervals that passed while one write was under way (see keepalive()).
  int stalled_intervals_ = 0;
  std::string keepalive_text_;
};

}  // namespace elector::daemon
