// fenced-writer: appends rows to a PostgreSQL journal for as long as it runs, each stamped with
// the term of the leadership it runs under. It is meant to run under `electorctl run`, which
// starts it on the leader only and stops it before the lease can end:
//
//   electorctl run -- fenced-writer [--interval MS] [--acks FILE]
//
// The database is named by libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER, ...). The
// journal and its fence are in fenced_writer.sql: PostgreSQL refuses a row whose term is lower
// than the highest it has stored. The runner's deadline keeps a stale writer from running on; the
// fence is for what the deadline cannot stop: a write already on its way, or a machine that was
// paused with the writer on it and runs it for a moment before the runner can kill it.
//
// Exit codes: 0 when asked to stop (SIGTERM, SIGINT), 3 when the fence refused a row (a newer
// leader has written: this writer is stale, and stops), 1 on a database error, 2 on bad usage.
// With --acks, every row PostgreSQL acknowledged is appended to FILE as "TERM NODE PID SEQ",
// after the acknowledgement: a row in FILE is a row the database said it stored.
#include <fcntl.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop(int) {
  g_stop = 1;
}

bool whole_number(const char* s, long& out) {
  char* end = nullptr;
  out = std::strtol(s, &end, 10);
  return *s != '\0' && *end == '\0' && out >= 0;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "fenced-writer: %s\nusage: fenced-writer [--interval MS] [--acks FILE]\n"
               "(run it under `electorctl run`, which sets ELECTOR_TERM and ELECTOR_NODE)\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long interval_ms = 5;
  const char* acks_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--interval" && i + 1 < argc) {
      if (!whole_number(argv[++i], interval_ms)) return usage("--interval: not a whole number");
    } else if (a == "--acks" && i + 1 < argc) {
      acks_path = argv[++i];
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  const char* term_s = std::getenv("ELECTOR_TERM");
  const char* node = std::getenv("ELECTOR_NODE");
  long term = 0;
  if (term_s == nullptr || node == nullptr || !whole_number(term_s, term)) {
    return usage("ELECTOR_TERM or ELECTOR_NODE is missing");
  }
  int acks = -1;
  if (acks_path != nullptr) {
    acks = ::open(acks_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (acks < 0) return usage(("--acks: cannot open " + std::string(acks_path)).c_str());
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  PGconn* db = PQconnectdb("");
  if (PQstatus(db) != CONNECTION_OK) {
    std::fprintf(stderr, "fenced-writer: cannot connect: %s", PQerrorMessage(db));
    PQfinish(db);
    return 1;
  }
  const std::string pid = std::to_string(getpid());
  std::fprintf(stderr, "fenced-writer: %s writes with term %ld (pid %s)\n", node, term,
               pid.c_str());
  int rc = 0;
  for (long seq = 1; !g_stop; ++seq) {
    const std::string seq_s = std::to_string(seq);
    const char* values[] = {term_s, node, pid.c_str(), seq_s.c_str()};
    PGresult* r = PQexecParams(
        db,
        "INSERT INTO journal (term, node, pid, seq) VALUES ($1::bigint, $2, $3::int, $4::bigint)",
        4, nullptr, values, nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::fprintf(stderr, "fenced-writer: insert failed: %s", PQerrorMessage(db));
      PQclear(r);
      rc = 1;
      break;
    }
    const bool stored = std::strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (!stored) {
      std::fprintf(stderr,
                   "fenced-writer: the fence refused term %ld: a newer leader has written\n", term);
      rc = 3;
      break;
    }
    if (acks >= 0) {
      const std::string line = std::string(term_s) + " " + node + " " + pid + " " + seq_s + "\n";
      // One write(2) on an O_APPEND file: lines of several writers never interleave.
      if (::write(acks, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        rc = 1;
        break;
      }
    }
    timespec ts{interval_ms / 1000, (interval_ms % 1000) * 1'000'000};
    nanosleep(&ts, nullptr);
  }
  PQfinish(db);
  if (acks >= 0) ::close(acks);
  return rc;
}
