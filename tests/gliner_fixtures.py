"""A tiny GLiNER model built on the spot (nothing downloaded), for the GLiNER resource's tests."""

from __future__ import annotations

from pathlib import Path


def tiny_gliner(tmp_path: Path) -> Path:
    """Build and save a tiny, untrained GLiNER model; return its folder (the backbone's own
    folder is deleted afterwards: the saved GLiNER folder must be enough on its own)."""
    import shutil

    import torch
    from gliner import GLiNERConfig
    from gliner.model import UniEncoderSpanGLiNER
    from transformers import BertConfig, BertModel, BertTokenizer

    backbone = tmp_path / "backbone"
    words = "[PAD] [UNK] [CLS] [SEP] [MASK] anna met bob in paris .".split()
    BertTokenizer(vocab={w: i for i, w in enumerate(words)}).save_pretrained(backbone)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(words), hidden_size=32, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=64,
                         max_position_embeddings=64)).save_pretrained(backbone)
    config = GLiNERConfig(model_name=str(backbone), hidden_size=32, max_width=4, max_len=64,
                          span_mode="markerV0")
    model = UniEncoderSpanGLiNER(config, backbone_from_pretrained=True, local_files_only=True)
    model.data_processor.transformer_tokenizer.add_tokens(["<<ENT>>", "<<SEP>>"],
                                                          special_tokens=True)
    model.resize_embeddings()
    folder = tmp_path / "tiny-gliner"
    model.save_pretrained(folder)
    shutil.rmtree(backbone)
    return folder
