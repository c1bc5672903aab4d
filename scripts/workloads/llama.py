"""A small Llama-shaped decoder: RoPE, grouped-query attention, RMSNorm, SwiGLU MLP.

Byte-level: token ids 0..255 are the bytes, BOS (256) starts every sequence at position 0.
The attention is written out (no fused kernel) so that the exporter can capture q, k and v
after RoPE and the attention output of every layer exactly as the model computes them.
"""
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
import torch.nn.functional as F

BOS = 256
VOCAB = 257


@dataclass
class LlamaShape:
    layers: int = 4
    dim: int = 128
    q_heads: int = 4
    kv_heads: int = 2
    mlp_hidden: int = 352  # about 8/3 * dim, as Llama's SwiGLU sizes it
    rope_theta: float = 10000.0
    max_seq: int = 256

    @property
    def head_dim(self):
        return self.dim // self.q_heads

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, seq, theta):
    """cos and sin [seq, head_dim/2] of Llama's rotary embedding (pairs are the two halves)."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    ang = torch.outer(torch.arange(seq, dtype=torch.float32), inv)
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x, cos, sin):
    """x [B, H, T, D]: rotate the pairs (x[i], x[i + D/2]), Hugging Face Llama's rotate_half."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[: x.shape[-2]], sin[: x.shape[-2]]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class Attention(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.hq, self.hkv, self.d = shape.q_heads, shape.kv_heads, shape.head_dim
        self.wq = nn.Linear(shape.dim, self.hq * self.d, bias=False)
        self.wk = nn.Linear(shape.dim, self.hkv * self.d, bias=False)
        self.wv = nn.Linear(shape.dim, self.hkv * self.d, bias=False)
        self.wo = nn.Linear(self.hq * self.d, shape.dim, bias=False)

    def forward(self, x, cos, sin, capture=None):
        b, t, _ = x.shape
        q = self.wq(x).view(b, t, self.hq, self.d).transpose(1, 2)
        k = self.wk(x).view(b, t, self.hkv, self.d).transpose(1, 2)
        v = self.wv(x).view(b, t, self.hkv, self.d).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        group = self.hq // self.hkv
        kr = k.repeat_interleave(group, dim=1)  # query head h reads KV head h // group
        vr = v.repeat_interleave(group, dim=1)
        scores = (q @ kr.transpose(-1, -2)) / math.sqrt(self.d)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        probs = torch.softmax(scores.masked_fill(causal, float("-inf")), dim=-1)
        out = probs @ vr  # [B, Hq, T, D]
        if capture is not None:
            capture.append({"q": q.detach(), "k": k.detach(), "v": v.detach(), "out": out.detach(),
                            "probs": probs.detach()})
        return self.wo(out.transpose(1, 2).reshape(b, t, self.hq * self.d))


class Block(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.attn_norm = RMSNorm(shape.dim)
        self.attn = Attention(shape)
        self.mlp_norm = RMSNorm(shape.dim)
        self.gate = nn.Linear(shape.dim, shape.mlp_hidden, bias=False)
        self.up = nn.Linear(shape.dim, shape.mlp_hidden, bias=False)
        self.down = nn.Linear(shape.mlp_hidden, shape.dim, bias=False)

    def forward(self, x, cos, sin, capture=None):
        x = x + self.attn(self.attn_norm(x), cos, sin, capture)
        h = self.mlp_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class TinyLlama(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.shape = shape
        self.embed = nn.Embedding(VOCAB, shape.dim)
        self.blocks = nn.ModuleList(Block(shape) for _ in range(shape.layers))
        self.norm = RMSNorm(shape.dim)
        self.head = nn.Linear(shape.dim, VOCAB, bias=False)
        cos, sin = rope_tables(shape.head_dim, shape.max_seq, shape.rope_theta)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids, capture=None):
        """ids [B, T] -> logits [B, T, VOCAB]; capture (a list) gets one dict per layer."""
        if ids.shape[1] > self.shape.max_seq:
            raise ValueError(f"sequence of {ids.shape[1]} tokens is longer than max_seq {self.shape.max_seq}")
        x = self.embed(ids)
        for blk in self.blocks:
            x = blk(x, self.cos, self.sin, capture)
        return self.head(self.norm(x))


def encode(text_bytes, bos=True):
    ids = list(text_bytes)
    return torch.tensor(([BOS] if bos else []) + ids, dtype=torch.long)
