"""web3.py against `tempo-light proxy`: the same answers as the devnet's own.

Usage: clients.py PROXY_URL DEVNET_URL HOLDER (run by clients.test.mjs with TEMPO_LIGHT_PYTHON,
a Python with web3 installed by scripts/test-proxy-clients.sh).
"""
import json
import sys
import urllib.request

from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware

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
# Tempo's `extraData` is longer than Ethereum's 32 bytes (a boundary block carries the epoch's
# DKG outcome), which web3.py refuses unless told, as its docs say for such chains.
w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
compared = 0
assert w3.eth.chain_id == int(node("eth_chainId", []), 16)
compared += 1
head = w3.eth.block_number
assert head > 0
# A whole epoch of blocks (the devnet's epochs are 5 long), so a boundary block is among them.
long_extra = 0
for number in range(max(1, head - 5), head):
    block = w3.eth.get_block(number)
    theirs = node("eth_getBlockByNumber", [hex(number), False])
    assert block["hash"].to_0x_hex() == theirs["hash"], (block["hash"], theirs["hash"])
    assert block["stateRoot"].to_0x_hex() == theirs["stateRoot"]
    assert block["proofOfAuthorityData"].to_0x_hex() == theirs["extraData"]
    long_extra += len(theirs["extraData"]) > 2 + 64
    compared += 3
assert long_extra > 0, "no boundary block with a long extraData among the blocks compared"
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
