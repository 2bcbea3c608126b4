"""The fake OpenAI-compatible server reproduces each provider fault and quirk as the real
``langchain-openai`` client sees it, in both transports (JSON body and server-sent events),
so chaos tests can rely on it."""

from __future__ import annotations

import time

import openai
import pytest

from tests.support.openai_server import (
    REQUIRED_TOOL_CHOICE_ERROR,
    FakeOpenAIServer,
    Fault,
    Quirks,
    Reply,
    ToolCallReply,
    chat_model,
)

TRANSPORTS = pytest.mark.parametrize("streaming", [False, True], ids=["json", "sse"])


def _raised(fault: Fault, *, streaming: bool, timeout: float = 1.0) -> BaseException:
    with FakeOpenAIServer(lambda request: fault) as server:
        model = chat_model(server, streaming=streaming, timeout=timeout)
        with pytest.raises(Exception) as caught:
            model.invoke("hi")
    return caught.value


@TRANSPORTS
def test_429_carries_retry_after(streaming):
    error = _raised(Fault.http(429, "slow down", Retry_After="7"), streaming=streaming)
    assert isinstance(error, openai.RateLimitError)
    assert error.response.headers["retry-after"] == "7"


@TRANSPORTS
@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, openai.AuthenticationError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_http_errors_reach_the_client_with_their_status(streaming, status, kind):
    error = _raised(Fault.http(status, f"failure {status}"), streaming=streaming)
    assert isinstance(error, kind)
    assert error.status_code == status
    assert f"failure {status}" in str(error)


@TRANSPORTS
def test_a_reset_connection_is_a_connection_error(streaming):
    assert isinstance(_raised(Fault("reset"), streaming=streaming), openai.APIConnectionError)


@TRANSPORTS
def test_a_reply_that_never_comes_times_out(streaming):
    started = time.perf_counter()
    error = _raised(Fault("hang", seconds=3), streaming=streaming, timeout=0.3)
    assert isinstance(error, openai.APITimeoutError)
    assert time.perf_counter() - started < 2.5


@TRANSPORTS
def test_slow_bytes_arrive_one_at_a_time_and_defeat_a_read_timeout(streaming):
    """Each byte comes within the read timeout, so the client keeps reading: only an
    overall deadline can stop a provider like this."""
    fault = Fault("slow", seconds=0.0005, reply=Reply(content="late but whole"))
    with FakeOpenAIServer(lambda request: fault) as server:
        started = time.perf_counter()
        reply = chat_model(server, streaming=streaming, timeout=0.2).invoke("hi")
    assert reply.text == "late but whole"
    assert time.perf_counter() - started > 0.2


def test_invalid_json_breaks_the_client():
    assert isinstance(_raised(Fault("bad_json"), streaming=False), ValueError)


def test_an_empty_choices_list_breaks_the_client():
    assert isinstance(_raised(Fault("empty_choices"), streaming=False), IndexError)


@TRANSPORTS
def test_forced_tool_choice_is_refused_like_llama_cpp(streaming):
    quirks = Quirks(reject_required_tool_choice=True)
    with FakeOpenAIServer(lambda request: Reply(content="ok"), quirks=quirks) as server:
        model = chat_model(server, streaming=streaming)
        tool = {"type": "function", "function": {"name": "answer", "parameters": {}}}
        with pytest.raises(openai.InternalServerError, match="not supported"):
            model.bind_tools([tool], tool_choice="any").invoke("hi")
        assert model.bind_tools([tool], tool_choice="auto").invoke("hi").text == "ok"
    assert [body["tool_choice"] for body in server.requests] == ["required", "auto"]
    assert "tool_choice 'required' is not supported" in REQUIRED_TOOL_CHOICE_ERROR


@TRANSPORTS
def test_tool_calls_null_content_and_trailing_text_in_arguments(streaming):
    reply = Reply(tool_calls=(ToolCallReply("answer", '{"a": 1} hope this helps'),))
    with FakeOpenAIServer(lambda request: reply, quirks=Quirks(null_content=True)) as server:
        message = chat_model(server, streaming=streaming).invoke("hi")
    assert message.text == ""
    if streaming:  # langchain-core reads streamed arguments leniently and drops the tail
        assert message.tool_calls[0]["args"] == {"a": 1}
    else:  # a whole body's arguments fail to parse: an invalid tool call, kept verbatim
        assert message.tool_calls == []
        assert message.invalid_tool_calls[0]["args"] == '{"a": 1} hope this helps'


def test_role_tool_messages_never_reach_the_model():
    seen = []

    def responder(request):
        seen.append([m["role"] for m in request.messages])
        return Reply(content="ok")

    history = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "t", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "result"},
    ]
    with FakeOpenAIServer(responder, quirks=Quirks(drop_tool_messages=True)) as server:
        chat_model(server).invoke(history)
    assert seen == [["user", "assistant"]]
    assert [m["role"] for m in server.requests[0]["messages"]] == ["user", "assistant", "tool"]


def test_usage_is_reported_in_both_transports():
    with FakeOpenAIServer(lambda request: Reply(content="x" * 40)) as server:
        plain = chat_model(server).invoke("hi")
        streamed = chat_model(server, streaming=True, stream_usage=True).invoke("hi")
    assert plain.usage_metadata is not None and streamed.usage_metadata is not None
    assert plain.usage_metadata["output_tokens"] == streamed.usage_metadata["output_tokens"] == 10
    assert server.requests[1]["stream_options"] == {"include_usage": True}
