from functions.core.config import names
from tests.unit.core.conftest import CALLER, T0


def test_a_stop_ends_only_a_recording_session(world) -> None:
    sid = world.start()
    first, ended = world.sessions.stop(CALLER.tenant, sid, T0 + 600, 900.0)
    again, ended_again = world.sessions.stop(CALLER.tenant, sid, T0 + 700, 900.0)
    assert (ended, ended_again) == (True, False)
    assert first["status"] == again["status"] == "completed"
    assert world.session(sid)["endedEpoch"] == T0 + 600
    stored = world.table(names.SESSIONS_TABLE).get_item(Key={"sessionId": sid})["Item"]
    assert stored["endReason"] == "stopped"
