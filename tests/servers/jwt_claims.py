# The claims of a JWT, unverified: what the test servers read from the service-account tokens the
# e2e tests mint (namespace, name, audience, expiry). Shared by exchange_server.py and
# google_server.py; imported from the script's own directory.
import base64, json


def claims(jwt):
    """The payload of `jwt` as a dict, or None when it is not a JWT."""
    try:
        payload = jwt.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except Exception:
        return None
