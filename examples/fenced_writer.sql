-- The fenced journal of examples/fenced_writer.cpp.
--
-- Every row carries the term of the leader that wrote it (ELECTOR_TERM, the fencing token).
-- The fence refuses a row whose term is lower than the highest term stored so far: once a newer
-- leader has written, nothing from an older one gets in, however late it arrives. The check and
-- the update of the highest term happen under one row lock (fence, FOR UPDATE), so two writers
-- cannot both pass it against the same old value.
--
-- A refused row is not stored in `journal`: the INSERT reports 0 rows, and the refusal is kept in
-- `journal_refused`. For the measurement only, every row that arrives is also copied, unfenced, to
-- `journal_unfenced`: it shows what the table would hold without the fence.

CREATE TABLE fence (
  id        int PRIMARY KEY CHECK (id = 1),
  high_term bigint NOT NULL,  -- highest term stored in journal
  arrivals  bigint NOT NULL   -- rows that reached the fence, refused or not
);
INSERT INTO fence VALUES (1, 0, 0);

CREATE TABLE journal (
  pos  bigint PRIMARY KEY,  -- order in which the fence let the rows in
  term bigint NOT NULL,
  node text   NOT NULL,
  pid  int    NOT NULL,
  seq  bigint NOT NULL,     -- the writer's own count, from 1
  at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE journal_refused (
  arrival   bigint PRIMARY KEY,
  term      bigint NOT NULL,
  high_term bigint NOT NULL,  -- the newer term that had written already
  node      text   NOT NULL,
  pid       int    NOT NULL,
  seq       bigint NOT NULL,
  at        timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE journal_unfenced (
  arrival bigint PRIMARY KEY,
  term    bigint NOT NULL,
  node    text   NOT NULL,
  pid     int    NOT NULL,
  seq     bigint NOT NULL
);

CREATE FUNCTION journal_fence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  f fence%ROWTYPE;
BEGIN
  SELECT * INTO f FROM fence WHERE id = 1 FOR UPDATE;
  UPDATE fence SET arrivals = arrivals + 1 WHERE id = 1;
  INSERT INTO journal_unfenced VALUES (f.arrivals + 1, NEW.term, NEW.node, NEW.pid, NEW.seq);
  IF NEW.term < f.high_term THEN
    INSERT INTO journal_refused (arrival, term, high_term, node, pid, seq)
      VALUES (f.arrivals + 1, NEW.term, f.high_term, NEW.node, NEW.pid, NEW.seq);
    RETURN NULL;  -- refused: the INSERT stores nothing and reports 0 rows
  END IF;
  UPDATE fence SET high_term = NEW.term WHERE id = 1;
  NEW.pos := f.arrivals + 1;
  RETURN NEW;
END
$$;

CREATE TRIGGER journal_fence BEFORE INSERT ON journal
  FOR EACH ROW EXECUTE FUNCTION journal_fence();
