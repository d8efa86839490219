"""The protocol client's messages are what Streamlit's own protobuf classes parse back as a browser's rerun."""

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.st_client import rerun_message, widget_ids


def _parsed(payload: bytes) -> BackMsg:
    message = BackMsg()
    message.ParseFromString(payload)
    return message


def test_a_page_load_is_a_rerun_request_naming_the_page_by_its_url_path():
    message = _parsed(rerun_message(page_name="sponsor-find-influencers", query_string="id=7"))
    assert message.WhichOneof("type") == "rerun_script"
    state = message.rerun_script
    assert (state.page_name, state.page_script_hash, state.query_string) == ("sponsor-find-influencers", "", "id=7")
    assert state.HasField("context_info") and state.context_info.timezone == "UTC"


def test_an_interaction_reruns_the_current_page_hash_with_typed_widget_states():
    widgets = {"$$ID-ab-f-text": "fitness", "$$ID-cd-f-submit": None, "$$ID-ef-n": 3, "$$ID-01-on": True}
    state = _parsed(rerun_message(page_script_hash="1534abc", widgets=widgets)).rerun_script
    assert state.page_script_hash == "1534abc" and state.page_name == ""
    values = {w.id: (w.WhichOneof("value"), getattr(w, w.WhichOneof("value"))) for w in state.widget_states.widgets}
    assert values == {
        "$$ID-ab-f-text": ("string_value", "fitness"),
        "$$ID-cd-f-submit": ("trigger_value", True),
        "$$ID-ef-n": ("int_value", 3),
        "$$ID-01-on": ("bool_value", True),
    }


def test_a_keyed_widget_in_the_forward_stream_is_found_by_its_user_key_even_with_dashes():
    message = ForwardMsg()
    message.delta.new_element.text_input.id = "$$ID-0123456789abcdef0123456789abcdef-f-text"
    assert widget_ids(message) == {"f-text": "$$ID-0123456789abcdef0123456789abcdef-f-text"}


def test_an_unkeyed_widget_or_a_plain_element_yields_no_key():
    unkeyed, markdown = ForwardMsg(), ForwardMsg()
    unkeyed.delta.new_element.button.id = "$$ID-0123456789abcdef0123456789abcdef-None"
    markdown.delta.new_element.markdown.body = "hello"
    assert widget_ids(unkeyed) == {} and widget_ids(markdown) == {}
