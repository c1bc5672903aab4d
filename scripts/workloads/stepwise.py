"""TinyLlama (llama.py) one token at a time, with the attention of every layer handed to a caller.

The prompt is computed densely in float by the model itself (the host's prefill, as the design's
disaggregated prefill hands a KV cache over); each decode step then runs a batch of B independent
streams of the same token through the layers with the model's own weights, and at every layer asks
`attend(layer, q, k, v)` for the attention outputs: q [B, Hq, D], k and v [B, Hkv, D] of the new
token after RoPE, float32; it returns [B, Hq, D]. What `attend` does (float attention over a float
cache, or the policy engine with its integer numerics) decides what the later layers and tokens
see, so its errors propagate as they would on the accelerator.
"""
import math

import torch
import torch.nn.functional as F

from llama import apply_rope


class StepDecoder:
    def __init__(self, model):
        self.m = model
        s = model.shape
        self.hq, self.hkv, self.d = s.q_heads, s.kv_heads, s.head_dim

    @torch.no_grad()
    def prefill(self, ids):
        """ids [P] -> per layer {q [Hq,P,D], k, v [Hkv,P,D]} after RoPE, float32 (the model's own pass)."""
        cap = []
        self.m(torch.as_tensor(ids).unsqueeze(0), capture=cap)
        return [{n: c[n][0].float() for n in ("q", "k", "v")} for c in cap]

    @torch.no_grad()
    def step(self, token, pos, batch, attend):
        """Logits [B, VOCAB] of `token` at position `pos` in B streams, attention from `attend`."""
        m = self.m
        x = m.embed(torch.full((batch,), int(token), dtype=torch.long))
        cos, sin = m.cos[pos:pos + 1], m.sin[pos:pos + 1]
        for layer, blk in enumerate(m.blocks):
            a = blk.attn
            h = blk.attn_norm(x)
            q = a.wq(h).view(batch, self.hq, 1, self.d)
            k = a.wk(h).view(batch, self.hkv, 1, self.d)
            v = a.wv(h).view(batch, self.hkv, 1, self.d)
            q, k = apply_rope(q, cos, sin)[:, :, 0], apply_rope(k, cos, sin)[:, :, 0]
            out = attend(layer, q, k, v[:, :, 0])
            x = x + a.wo(torch.as_tensor(out, dtype=torch.float32).reshape(batch, self.hq * self.d))
            hm = blk.mlp_norm(x)
            x = x + blk.down(F.silu(blk.gate(hm)) * blk.up(hm))
        return m.head(m.norm(x))


class FloatCache:
    """Dense float attention over a growing float KV cache: the model's own attention, step by step."""

    def __init__(self, prompt_layers, batch):
        self.k = [c["k"].unsqueeze(0).repeat(batch, 1, 1, 1) for c in prompt_layers]  # [B, Hkv, t, D]
        self.v = [c["v"].unsqueeze(0).repeat(batch, 1, 1, 1) for c in prompt_layers]

    def __call__(self, layer, q, k, v):
        self.k[layer] = torch.cat([self.k[layer], k.unsqueeze(2)], dim=2)
        self.v[layer] = torch.cat([self.v[layer], v.unsqueeze(2)], dim=2)
        group = q.shape[1] // k.shape[1]
        kk = self.k[layer].repeat_interleave(group, dim=1)
        vv = self.v[layer].repeat_interleave(group, dim=1)
        p = torch.softmax((kk @ q.unsqueeze(-1)).squeeze(-1) / math.sqrt(q.shape[-1]), dim=-1)  # [B, Hq, t]
        return (p.unsqueeze(-2) @ vv).squeeze(-2)
