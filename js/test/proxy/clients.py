"""web3.py against `tempo-light proxy`: the same answers as the devnet's own.

Usage: clients.py PROXY_URL DEVNET_URL HOLDER (run by clients.test.mjs with TEMPO_LIGHT_PYTHON,
a Python with web3 installed by scripts/test-proxy-clients.sh).
"""
import json
import sys
import urllib.request

from web3 import Web3

proxy_url, devnet_url, holder = sys.argv[1:4]


def node(method, params):
    request = urllib.request.Request(
        devnet_url,
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.load(response)
    assert "error" not in body, body
    return body["result"]


w3 = Web3(Web3.HTTPProvider(proxy_url, request_kwargs={"timeout": 20}))
compared = 0
assert w3.eth.chain_id == int(node("eth_chainId", []), 16)
compared += 1
head = w3.eth.block_number
assert head > 0
block = w3.eth.get_block(head - 1)
theirs = node("eth_getBlockByNumber", [hex(head - 1), False])
assert block["hash"].to_0x_hex() == theirs["hash"], (block["hash"], theirs["hash"])
assert block["stateRoot"].to_0x_hex() == theirs["stateRoot"]
compared += 2
account = Web3.to_checksum_address(holder)
balance = w3.eth.get_balance(account, block_identifier=head)
assert balance == int(node("eth_getProof", [holder, [], hex(head)])["balance"], 16)
compared += 1
token = w3.eth.contract(
    address=Web3.to_checksum_address("0x20c0000000000000000000000000000000000000"),
    abi=[{"name": "balanceOf", "type": "function", "stateMutability": "view",
          "inputs": [{"name": "a", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}],
)
units = token.functions.balanceOf(account).call(block_identifier=head)
assert units > 0
compared += 1
print(f"web3.py: {compared} answers compared")
