"""Published formulas of training performance as vectorised functions, and their sources.

Nothing here registers a node: the metric modules (`workload`, `performance`, `parallel_layout`,
`memory`, `step_time`, `crosscheck`) cite these sources and call these functions, which run alike
on floats and on numpy arrays (sweeps and Monte Carlo samples).
"""

from __future__ import annotations

import math

from scendsl.model import scalar

# ---------------------------------------------------------------------------------- sources
KAPLAN = "Kaplan et al. 2020, Scaling Laws for Neural Language Models (training compute C ≈ 6ND)"
TM101 = "EleutherAI, Transformer Math 101 (2023): forward 2ND + backward 4ND"
DISTILLATION = (
    "Hinton, Vinyals, Dean 2015, Distilling the Knowledge in a Neural Network (the student "
    "trains on the teacher's output distribution); Gemma Team 2024, Gemma 2: Improving Open "
    "Language Models at a Practical Size, §3 (the 2B and 9B pre-trained on a larger "
    "teacher's token-level probabilities); the teacher runs its forward pass only: 2·N_teacher "
    "FLOPs per token (Transformer Math 101's forward 2ND)"
)
PALM = "Chowdhery et al. 2022, PaLM, App. B (model FLOPs utilisation, MFU)"
LORA = (
    "Hu et al. 2021, LoRA: Low-Rank Adaptation of Large Language Models (arXiv:2106.09685), §4 "
    "and §4.2: the pre-trained weights are frozen and only the low-rank matrices A, B train, so "
    "no gradients or optimizer state are kept for the frozen weights (GPT-3 175B: VRAM 1.2 TB to "
    "350 GB, 25 % faster training); the backward pass still carries activation gradients "
    "through every frozen layer (2N a token) but computes weight gradients for the adapters "
    "only: 4N + 6·N_adapter FLOPs a token instead of 6N (Transformer Math 101's forward 2N, "
    "backward 2N + 2N); Dettmers et al. 2023, QLoRA (arXiv:2305.14314) §2; MLCommons, MLPerf "
    "Training Llama 2 70B LoRA reference (GovReport, LoRA rank 16 on the attention projections, "
    "sequences of 8,192 tokens)"
)
NARAYANAN = (
    "Narayanan et al. 2021, Efficient Large-Scale Language Model Training on GPU Clusters "
    "Using Megatron-LM (SC21): pipeline bubble (p−1)/m, interleaved schedule, tensor "
    "parallelism all-reduces"
)
KORTHIKANTI = (
    "Korthikanti et al. 2022, Reducing Activation Recomputation in Large Transformer "
    "Models: activation memory sbh(34 + 5as/h), sequence parallelism, selective "
    "recomputation"
)
ZERO = (
    "Rajbhandari et al. 2020, ZeRO: Memory Optimizations Toward Training Trillion Parameter "
    "Models (SC20): 16Ψ bytes, ZeRO-1/2/3 partitioning, ZeRO-3 moves 1.5× the data-parallel "
    "volume"
)
ZERO_OFFLOAD = (
    "Ren et al. 2021, ZeRO-Offload: Democratizing Billion-Scale Model Training "
    "(USENIX ATC): optimizer state and update on the CPU, fp16 gradients down and "
    "parameters up"
)
RING = "Calculon (Isaev et al., SC23), ring all-reduce 2·S·(n−1)/n per device"
COLLECTIVE_LATENCY = (
    "Hockney 1994, The communication challenge for MPP (Parallel Computing 20): a message "
    "costs α + n·β; Thakur, Rabenseifner and Gropp 2005, Optimization of Collective "
    "Communication Operations in MPICH (IJHPCA 19): a ring all-reduce pays 2(p−1)·α, a "
    "reduce-scatter or all-gather (p−1)·α; NCCL's own cost model (github.com/NVIDIA/nccl, "
    "src/graph/tuning.cc, ncclTopoTuneModel): latency = baseLat + (steps − inter-node "
    "steps)·hwLat(NVLink) + inter-node steps·hwLat(network), ring, Simple protocol"
)
NCCL_TUNER = (
    "NCCL's tuner (github.com/NVIDIA/nccl, src/graph/tuning.cc, ncclTopoTuneModel and "
    "ncclTopoGetAlgoTime; src/enqueue.cc, topoGetAlgoInfo): each algorithm's time is its "
    "latency + bytes / its bandwidth, and NCCL runs the least; a Tree all-reduce pays baseLat + "
    "2·((n/N − 1)·hwLat(NVLink) + log2(N)·hwLat(network)) over N nodes at half of 0.92 × the "
    "bus bandwidth, a Ring 2(n−1) steps at n/(2(n−1)) of it"
)
GRADIENT_BUCKETS = (
    "Megatron-Core, DistributedDataParallelConfig.bucket_size ('Maximum number of parameters "
    "in each bucket') and DistributedDataParallel.__init__ (unset: max(40,000,000, 1,000,000 × "
    "data-parallel size) parameters), https://github.com/NVIDIA/Megatron-LM/blob/d98e8a64ddf34856e74b24714e3bedb2f5a39553/megatron/core/distributed/"
    "distributed_data_parallel.py; _ParamAndGradBucketGroup.start_grad_sync reduces each "
    "bucket's gradients by a collective of its own once the backward pass has produced them "
    "(overlap_grad_reduce), https://github.com/NVIDIA/Megatron-LM/blob/d98e8a64ddf34856e74b24714e3bedb2f5a39553/megatron/core/distributed/"
    "param_and_grad_buffer.py; DeepSpeed's ZeRO configuration: reduce_bucket_size, 5 × 10⁸ "
    "elements by default"
)
RANK_ORDER = (
    "Megatron-Core, initialize_model_parallel in its parallel_state module "
    "(github.com/NVIDIA/Megatron-LM): ranks are numbered in the order tp-cp-ep-dp-pp, tensor "
    "ranks consecutive, then context, expert and data; DeepSpeed's pipe-data-model topology and "
    "FSDP's flat data ranks number the same way, so a server of k accelerators holds k / t "
    "consecutive ranks of one gradient-reduction group"
)
NCCL_CHANNELS = (
    "NCCL rings and channels: each channel's ring runs through the accelerators of a server "
    "over NVLink and leaves it through one NIC, and NCCL opens a channel per NIC, so an "
    "all-reduce among a server's k ranks crosses the network over all k NICs (NVIDIA/nccl-tests "
    "issue 196, NCCL developer: 'if you have 8 NICs, Tree will struggle to get better "
    "performance than ring'); measured all-reduce bus bandwidth of H100 SXM servers with "
    "NDR InfiniBand (one 400 Gb/s NIC per GPU) is 400-450 GB/s, eight NICs' worth (Saturn "
    "Cloud, Validating Multi-Node GPU Clusters with NCCL Tests: expected bus bandwidth)"
)
HOFFMANN = (
    "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models "
    "(≈ 20 tokens per parameter)"
)
NEOX = (
    "Black et al. 2022, GPT-NeoX-20B (BigScience workshop): Megatron-style 3D parallelism on "
    "DeepSpeed's non-interleaved 1F1B pipeline, ZeRO-1, full activation checkpointing"
)
DEEPSPEED = (
    "DeepSpeed (Rasley et al. 2020, KDD): pipeline engine without interleaving, ZeRO "
    "stages 0–3, whole-layer activation checkpointing, ZeRO-Offload"
)
MEGATRON = (
    "Megatron-LM (Shoeybi et al. 2019; Narayanan et al. 2021; Korthikanti et al. 2022): "
    "tensor + pipeline + data parallelism, interleaved 1F1B, sequence parallelism, "
    "selective recomputation"
)
MEGATRON_RECOMPUTE = (
    "Megatron-LM training arguments --recompute-granularity full, --recompute-method block and "
    "--recompute-num-layers N (the first N transformer layers of each pipeline stage recompute "
    "their forward pass in full, the others keep their activations; uniform and block methods, "
    "https://github.com/NVIDIA/Megatron-LM/blob/main/megatron/training/arguments.py and "
    "https://github.com/NVIDIA/Megatron-LM/blob/main/megatron/core/transformer/transformer_block.py"
    "); NeMo "
    "activations_checkpoint_granularity, _method and _num_layers, which MLPerf configs export as "
    "ACG, ACM and ACL (MLCommons training_results_v5.0, AMD and MangoBoost, Llama 2 70B LoRA: "
    "ACG=full ACM=block ACL=21)"
)
LLM_ANALYSIS = (
    "Cheng Li 2023, llm-analysis (flops and HBM efficiency of the compute and memory terms)"
)
NARAYANAN_FLOPS = (
    "Narayanan et al. 2021 (SC21), eq. 3: model FLOPs per iteration "
    "72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)) without recomputation (96·… with); "
    "per token 6·N + 12·l·h·s when N = 12·l·h² + V·h (= PaLM App. B, 6N + 12LHQT)"
)
GEMM = (
    "Anthony et al. 2024, The Case for Co-Designing Model Architectures with Hardware "
    "(arXiv:2401.14489): GEMM throughput grows with the matrix width and plateaus"
)
FRAMEWORK_EFFICIENCY = (
    "the share of the modelled matrix rate a framework's published run reached on its own "
    "layout (calibration framework_efficiency_megatron, _deepspeed, _neox, _fsdp, _jax): "
    "Megatron-LM 100 % by definition on GPUs and JAX on TPUs; Megatron-DeepSpeed calibrated on "
    "BLOOM 176B, whose figure GPT-NeoX shares; PyTorch FSDP on torchtitan's Llama 3 70B"
)
PLATFORM_MATMUL = (
    "the factor on the GEMM plateau an accelerator platform's matrix units reach (calibration "
    "platform_matmul_factor, _tpu_host, _<accelerator>): 1 on GPUs, where the GEMM curve was "
    "measured; the TPU's systolic matrix units under XLA calibrated on MaxText's 16B on TPU "
    "v5e, v6e on MaxText's GPT-3 175B recipe, TPU7x (Ironwood) read from Google's Ironwood BF16 "
    "GEMM microbenchmark (tpu-recipes microbenchmarks/ironwood)"
)
TE_SPEEDUP = (
    "NVIDIA Transformer Engine docs, GEMM Speedups Across Precisions: FP8 1.41–1.61×, "
    "NVFP4 2.03× over BF16 end to end (5B model, B300)"
)
GSHARD = (
    "Lepikhin et al. 2021, GShard; Fedus et al. 2022, Switch Transformer: expert parallelism "
    "dispatches and combines every token's hidden state to its top-k experts with "
    "all-to-all, twice forward and twice backward per MoE layer"
)
MOE_OVERLAP = (
    "DeepSeek-AI 2024, DeepSeek-V3 Technical Report (arXiv:2412.19437), §3.2.1: DualPipe "
    "overlaps the forward and backward chunks' computation with their all-to-all dispatch and "
    "combine, 'achieving a near-zero all-to-all communication overhead'"
)
MOE_OPTIMIZER = (
    "Megatron-Core parallel state and distributed optimizer: the expert-model-parallel ranks "
    "are carved out of the data-parallel ranks (expert data parallelism = d·t / (e·expert "
    "tensor parallelism)), and each expert's gradients are reduced and its optimizer state "
    "sharded over its expert-data-parallel group; DeepSpeed-MoE (Rajbhandari et al. 2022, "
    "ICML): expert parameters are ZeRO-partitioned over the expert data-parallel group"
)
MOE_GEMM = (
    "Megatron-LM MoE arguments (--moe-ffn-hidden-size: the hidden size of each expert's MLP, "
    "--ffn-hidden-size when not given) and Hugging Face model configurations "
    "(moe_intermediate_size of DeepSeek-V2/V3 and Qwen MoE; intermediate_size of Mixtral and "
    "OLMoE, whose every MLP is an expert); DeepSeek-AI 2024, DeepGEMM (github.com/deepseek-ai/"
    "DeepGEMM, README of February 2025, Performance): grouped expert GEMMs of 256-8,192 tokens "
    "per expert on H800 run at 815-1,297 TFLOPS of the 1,979 FP8 peak, the fewer tokens per "
    "expert and the narrower the expert, the lower"
)
MOE_LAYOUT = (
    "Hugging Face model configurations of published mixtures of experts: DeepSeek-V2/V3 "
    "(first_k_dense_replace: the first k layers keep a dense MLP; moe_layer_freq; "
    "n_shared_experts), Llama 4 (interleave_moe_layer_step: Maverick an expert layer every "
    "second layer, intermediate_size_mlp the dense layers' width; a shared expert of "
    "intermediate_size beside the routed one), Qwen MoE (shared_expert_intermediate_size); "
    "Megatron-Core --moe-layer-freq and --moe-shared-expert-intermediate-size; Shen et al. "
    "2024, JetMoE (arXiv 2404.07413) §2 and Table 1: a mixture of attention heads (Zhang et "
    "al. 2022), 8 attention experts of 16 query heads each, top-2, keys and values shared, "
    "routed like the MLP experts"
)
MOE_PERMUTATION = (
    "NVIDIA Megatron-Core MoE token dispatcher (permute / unpermute around the experts); "
    "Gale et al. 2023, MegaBlocks: Efficient Sparse Training with Mixture-of-Experts (MLSys), "
    "Figure 3: routed tokens are gathered into expert order and scattered back, a memory-bound "
    "copy of every routed hidden state, forward and backward"
)
MOE_KERNELS = (
    "NVIDIA Megatron-Core MoE (MoEAlltoAllTokenDispatcher: the dropless dispatcher copies the "
    "per-expert token counts to the host, a device-to-host synchronisation, before it sizes the "
    "experts' buffers; TEGroupedMLP over Transformer Engine's GroupedLinear: one GEMM per local "
    "expert, and in FP8 the casts of each expert's inputs and weights); calibrated on one "
    "Megatron-Bridge row (Qwen3 30B-A3B on 8 B200, micro-batch 1: calibration.expert_kernel_time)"
)
STRAGGLER = (
    "expected maximum of n independent normal step times: μ(1 + σ·√(2 ln n)) (extreme "
    "value statistics); Jiang et al. 2024, MegaScale (NSDI): stragglers at 10,000+ GPUs"
)
PIPELINE_P2P = (
    "Narayanan et al. 2021 (SC21) §4.1: each pipeline boundary sends a micro-batch's b·s·h "
    "activations forward and their gradients backward, split over the t tensor ranks "
    "(scatter/gather; DeepSpeed's pipeline engine partitions them alike); §2.2.2: the "
    "interleaved schedule multiplies this traffic by v"
)
FLASH = (
    "Dao et al. 2022, FlashAttention: Fast and Memory-Efficient Exact Attention with "
    "IO-Awareness (NeurIPS): the s×s score matrix stays on chip"
)
GQA = (
    "Ainslie et al. 2023, GQA: Training Generalized Multi-Query Transformer Models from "
    "Multi-Head Checkpoints (EMNLP): query heads share key/value heads in groups, so the keys "
    "and values a layer computes, and keeps for its backward pass, are kv_heads × head width "
    "wide instead of h"
)
SLIDING_WINDOW = (
    "Beltagy et al. 2020, Longformer: The Long-Document Transformer (sliding-window attention: "
    "each query attends the w tokens before it, work linear in s); Jiang et al. 2023, Mistral "
    "7B (a window of 4,096 tokens in every layer); Gemma Team 2024, Gemma 2 (local attention "
    "over 4,096 tokens in every other layer); the gpt-oss-120b & gpt-oss-20b model card "
    "(August 2025: layers alternate between a banded window of 128 tokens and full attention)"
)
DROPOUT = (
    "Korthikanti et al. 2022, Table 2 (dropout masks 1 byte per element: attention "
    "probabilities as²b, after attention and after the MLP sbh each; the dropped probabilities "
    "2as²b kept for the PV product's backward pass); PyTorch torch.nn.functional.dropout: at "
    "p = 0 the input is returned unchanged (no mask drawn or kept); Megatron-LM's arguments "
    "--attention-dropout and --hidden-dropout default to 0.1"
)
UNFUSED_ATTENTION = (
    "Dao et al. 2022 (FlashAttention), §2.2 Algorithm 0 (standard attention: S = QKᵀ and "
    "P = softmax(S) each written to and read from HBM, 'exacerbated by other elementwise "
    "operations ... such as masking applied to S or dropout applied to P') and its backward "
    "pass (dP, dS likewise); Narayanan et al. 2021 §4.2 (Megatron fuses scale, mask and "
    "softmax): 13 bytes per score element forward, 19 backward, in 16 bits with a 1-byte "
    "dropout mask"
)
ATTENTION_PRECISION = (
    "attention stays in BF16 when the linear layers train in FP8/FP4: Transformer Engine's "
    "low-precision recipes cover the 12 linear-layer GEMMs per layer and leave dot-product "
    "attention in BF16 unless fp8_dpa is set (recipe default fp8_dpa=False); DeepSeek-AI 2024, "
    "DeepSeek-V3 Technical Report §3.3.1: 'we maintain the original precision (e.g., BF16 or "
    "FP32) for ... attention operators'"
)
ACTIVATION_PRECISION = (
    "Micikevicius et al. 2018, Mixed Precision Training (ICLR): weights, activations and "
    "gradients stored in 16 bits, an fp32 master copy of the weights; Korthikanti et al. 2022 "
    "count activation bytes in 16 bits (34·sbh per layer); young-geng/EasyLM (LLaMAConfig and "
    "examples/pretrain_llama_7b.sh: dtype fp32, the activations' dtype) and the JAX "
    "documentation (jax.lax.Precision: DEFAULT, the fastest mode, runs float32 matrix products "
    "as bfloat16 passes on TPU): a float32 run keeps and moves 4-byte activations at the "
    "16-bit matrix rate"
)
FP8_WEIGHTS = (
    "NVIDIA Transformer Engine, PyTorch fp8_model_init (the module's parameters created as "
    "Float8Tensor, with no 16-bit copy) and _Linear.forward (primary_weights_in_fp8: 'Weight is "
    "already in FP8', no cast; with gradients enabled its FP8 transpose is made, "
    "weight_fp8.transpose(update_cache=is_first_microbatch)); NeMo's fp8_params and "
    "Megatron-LM's --fp8-param-gather ('keep the compute param in fp8 (do not use any other "
    "intermediate dtype)'); MLCommons MLPerf Training v5.0 and v5.1, AMD's and MangoBoost's "
    "Llama 2 70B LoRA implementations' YAML (AMD's, v5.0: "
    "https://github.com/mlcommons/training_results_v5.0/blob/"
    "0fdc28f013256aea84fa36fdaf1e0fa46094b18c/AMD/benchmarks/llama2_70b_lora/implementations/"
    "MI300X_EPYC_9575F_pytorch/src/conf/megatron_gpt_peft_tuning_config.yaml): fp8_params "
    "follows FP8, which every config sets True"
)
POWER_CAP = (
    "You, Chung and Chowdhury 2023, Zeus (USENIX NSDI), published power trace: BERT-base "
    "training time per epoch on a V100 at power limits of 100-250 W (calibration "
    "power_cap_throughput_<N>)"
)
FP8_ATTENTION = (
    "Transformer Engine (NVIDIA), recipe option fp8_dpa ('use FP8 for the dot product "
    "attention': the score and weighting matmuls run in FP8, the softmax in higher precision) "
    "and NeMo's fp8_dot_product_attention; MLPerf Training v5.1, NVIDIA and partners' Llama 3.1 "
    "8B NeMo configs (config_common_fp8attn.sh: FP8_DPA=True, sourced by the NVFP4 8-GPU "
    "configs) and the Llama 3.1 405B NVFP4 configs (no FP8_DPA, NVTE_DPA_FP8_RECIPE=F16: "
    "attention in 16 bits); Shah et al. 2024, FlashAttention-3 (arXiv:2407.08608), §3.3 and "
    "§4.1: FP8 attention on the H100 with the softmax's exponentials still on the special-"
    "function units"
)

ATTENTION_RATE = (
    "MosaicML llm-foundry, MPT Training Benchmarks (github.com/mosaicml/llm-foundry/blob/main/"
    "scripts/train/benchmarking/README.md): "
    "MFU of MPT 760M-70B at sequences of 2,048-65,536 tokens on H100 and A100 with one code "
    "base; Shah et al. 2024, FlashAttention-3 (arXiv:2407.08608): FlashAttention-2 reaches 35 % "
    "of the H100's peak, its softmax exponentials bound by 3.9 TFLOPS of special functions; "
    "§4.1, Figures 5-6: cuDNN's fused attention runs 1.6× FlashAttention-2 on the H100 (head "
    "dimension 128, 8k tokens, forward and backward)"
)
CHIP_MFU = (
    "MosaicML llm-foundry, MPT Training Benchmarks (github.com/mosaicml/llm-foundry/blob/main/"
    "scripts/train/benchmarking/README.md): tables 'H100 80GB BF16' and 'A100 80GB with 1600 "
    "Gbps node-node interconnect (RoCE)', the same MPT models, sequences, GPU counts and "
    "checkpointing on each chip with one code base (Composer, FSDP, FlashAttention)"
)
CONTEXT_PARALLEL = (
    "Megatron-Core context parallelism (docs, api-guide/context_parallel; NVIDIA Transformer "
    "Engine's ring attention): the sequence and every activation split over the CP ranks; each "
    "rank keeps its chunk's K/V, all-gathers them in the forward pass and again in the backward "
    "pass and reduce-scatters their gradients, as point-to-point sends in a ring between a GPU "
    "and its counterparts in the other tensor-parallel groups, overlapped with attention; GQA "
    "sends only the KV heads; weights replicated, gradients reduced over data × context"
)
RING_ATTENTION = (
    "Liu, Zaharia, Abbeel 2023, Ring Attention with Blockwise Transformers for Near-Infinite "
    "Context (arXiv:2310.01889): each device sends its key-value block on while it computes "
    "attention with the block it holds; the transfer is hidden while the block's compute lasts "
    "longer"
)
GATED_MLP = (
    "Shazeer 2020, GLU Variants Improve Transformer (arXiv:2002.05202): a gated MLP (SwiGLU, "
    "GeGLU) has three weight matrices, h×f gate, h×f up and f×h down, against two of a plain "
    "MLP; Megatron-LM's training arguments: ffn_hidden_size defaults to 4·h, with --swiglu to "
    "int(4·h·2/3 / 64)·64 (the same weights as a plain 4h MLP, on a multiple of 64); Llama 3 "
    "model configurations (Hugging Face meta-llama): intermediate_size 14,336 / 28,672 / "
    "53,248 (8B / 70B / 405B) with SwiGLU"
)
MLP_ACTIVATIONS = (
    "Korthikanti et al. 2022, Table 2, with an MLP of width f = r·h (r = 4 in the paper): the "
    "activation's input 2·4 → 2r bytes per sbh (gated: gate and up projections, 2·2r), the "
    "second linear layer's input 2·4 → 2r; 34 sbh become 18 + 4r plain, 18 + 6r gated "
    "(a gated MLP of width 8h/3 keeps the 34 of a plain 4h one)"
)
#: Per-layer MLP widths by default: f = 4h plain; gated f = 8h/3 rounded down to a multiple of
#: 64, so 3·h·f ≈ 8h² matches the plain MLP's weights (GATED_MLP, Megatron-LM's defaults).
PLAIN_FFN_RATIO, GATED_FFN_RATIO, GATED_FFN_MULTIPLE = 4.0, 8.0 / 3.0, 64.0
VENDOR_LINKS = "vendor datasheets: PCIe Gen5 x16 128 GB/s, NVLink-C2C 900 GB/s per GB200 superchip"

HYBRID_SHARD = (
    "MaxText multi-slice sharding (AI-Hypercomputer/maxtext docs: ici_fsdp_parallelism -1 "
    "shards within a slice over the ICI, dcn_data_parallelism -1 replicates across slices over "
    "the data-centre network, dcn_fsdp_parallelism 1; MaxText/configs/v5p/128b.sh); PyTorch "
    "FSDP ShardingStrategy.HYBRID_SHARD (pytorch/pytorch PR 89915: ZeRO-3 sharding within a "
    "node, data parallelism across nodes; Zhao et al. 2023, PyTorch FSDP, VLDB, hybrid "
    "sharding): the gradients are reduce-scattered within the shard group, then each shard is "
    "all-reduced across its replicas"
)

ZERO3_OVERLAP = (
    "Zhao et al. 2023, PyTorch FSDP: Experiences on Scaling Fully Sharded Data Parallel "
    "(VLDB 2023): each unit's parameters are all-gathered before its forward and again before "
    "its backward computation and its gradients reduce-scattered after it, in every iteration "
    "and micro-batch; forward and backward prefetching issue the next all-gather while the "
    "current unit computes"
)
OVERLAP_INTERFERENCE = (
    "Agrawal et al. 2024, Optimizing ML Concurrent Computation and Communication with GPU DMA "
    "Engines (arXiv:2412.14335), abstract: concurrent computation and communication 'on average "
    "achieves only 21% of ideal speedup' (serial time against the larger of the two alone), 'due "
    "to ... compute and memory interference between concurrent GPU kernels' (GEMMs beside "
    "RCCL collectives on AMD MI300X); 42% with schedule prioritisation and compute-unit "
    "partitioning"
)
TP_OVERLAP = (
    "Wang et al. 2023, Overlap Communication with Dependent Computation via Decomposition in "
    "Large Deep Learning Models (ASPLOS 2023): a collective and the einsum that consumes or "
    "produces it are decomposed into chunks so that each chunk's transfer runs beside another "
    "chunk's computation; Transformer Engine's userbuffers (github.com/NVIDIA/TransformerEngine, "
    "transformer_engine/common/comm_gemm_overlap/comm_gemm_overlap.cpp): the sequence-parallel "
    "all-gather as a ring exchange of tensor-parallel-size chunks under a GEMM split alike "
    "(split_overlap_ag), the reduce-scatter pipelined under the GEMM that produces it "
    "(split_overlap_rs), the GEMM run on the SMs the exchange leaves (_math_sms = sm_count - "
    "num_comm_sm with set_sm_margin); Megatron-Core's tp_comm_overlap (Megatron-LM "
    "--tp-comm-overlap), off unless set; Megatron-Bridge's CommOverlapConfig turns it off "
    "without sequence parallelism or with tensor parallelism 1"
)
LORA_SP_EXCHANGE = (
    "NVIDIA NeMo, MCoreSelfAttentionMixin.mcore_register_adapters (github.com/NVIDIA/NeMo/blob/"
    "94c4a14a9c787b31095811bb151ca22b2176202c/nemo/collections/nlp/modules/common/megatron/"
    "adapters/mcore_mixins.py): with sequence parallelism Transformer Engine's fused layer norm "
    "can hand the LoRA adapter its output already gathered, 'unless TP communication overlap "
    "is used' (ub_overlap_ag): then the adapter on the QKV projection gathers the 16-bit "
    "layer-norm output itself; Megatron-Bridge, ParallelLinearAdapter.forward (github.com/"
    "NVIDIA-NeMo/Megatron-Bridge/blob/067f987df03b8355b03192d88d70f1709fedf51a/src/megatron/"
    "bridge/peft/utils.py): gather_from_sequence_parallel_region before linear_in when the input "
    "is not parallel (its backward a reduce-scatter), and for the output projection's adapter "
    "all2all_hp2sp (hidden-parallel to sequence-parallel, an all-to-all forward and backward) "
    "when a2a is set; NVIDIA's MLPerf Training Llama 2 70B LoRA implementations (github.com/"
    "mlcommons/training_results_v4.1/tree/b87b9e396f771345d4ef122ba33456304f15228d/NVIDIA/"
    "benchmarks/llama2_70b_lora/implementations/eos_n8_ngc24.09_nemo, and Krai's copy in "
    "training_results_v5.1: TP_COMM_OVERLAP=True, LORA_A2A=1, target_modules ['attention'], "
    "adapter_dim 16): NCCL collectives between the GEMMs, outside the userbuffers that overlap "
    "the frozen layers' own exchanges"
)
LORA_ADAPTER_KERNELS = (
    "Megatron-Bridge, ParallelLinearAdapter.forward (github.com/NVIDIA-NeMo/Megatron-Bridge/"
    "blob/067f987df03b8355b03192d88d70f1709fedf51a/src/megatron/bridge/peft/utils.py), as "
    "NVIDIA NeMo's ParallelLinearAdapter before it: a LoRA adapter beside a frozen linear layer "
    "runs its own kernels on the layer's full activations: dropout on its input "
    "(dropout_position 'pre'; PyTorch's nn.Dropout writes the output and a 1-byte mask, its "
    "backward reads both), linear_in (h to the rank r) reading the whole input, linear_out (r "
    "to the layer's width) writing a full-width output that is added to the frozen layer's; in "
    "the backward each adapter's two GEMMs read the output gradient twice (weight and input "
    "gradients) and the input once, write an input gradient that is summed into the frozen "
    "path's; in 16 bits (the adapters are not in Transformer Engine's FP8 autocast); with r = "
    "16 every one of them is bound by HBM bandwidth. MLCommons, MLPerf Training Llama 2 70B "
    "LoRA reference and NVIDIA's implementations: adapters on the attention's QKV and output "
    "projections (target_modules ['attention']), lora_dropout / adapter_dropout 0.1"
)
#: Mixed-precision Adam keeps 2 B of 16-bit parameters, 2 B of 16-bit gradients and K = 12 B of
#: fp32 master weights and moments per parameter (Rajbhandari et al. 2020, §3.1).
PARAMETER_BYTES, GRADIENT_BYTES, OPTIMIZER_BYTES = 2.0, 2.0, 12.0
#: Bytes of a weight held in FP8 (workload.weight_precision fp8) in place of its 16-bit copy.
FP8_PARAMETER_BYTES = 1.0
#: Activations and the collectives that carry them are 16-bit (Korthikanti's byte counts).
ACTIVATION_BYTES = 2.0
#: HBM bytes per element of one head's s×s score matrix in standard (unfused) attention, 16-bit
#: values and a 1-byte dropout mask (UNFUSED_ATTENTION). Forward: S = QKᵀ written (2), read by the
#: fused scale-mask-softmax (2), P written (2), read by dropout (2), mask (1) and dropped P (2)
#: written, read by the PV product (2) = 13. Backward: dP_drop = dO·Vᵀ written (2) and read by
#: dropout's backward with the mask (2 + 1), dP written (2); softmax backward reads P and dP
#: (2 + 2) and writes dS (2); dS read by the dQ and dK products (2 + 2); dropped P read for dV
#: (2) = 19.
SCORE_FORWARD_BYTES, SCORE_BACKWARD_BYTES = 13.0, 19.0
#: What dropout adds, none of which exists at dropout 0 (PyTorch's dropout at p = 0 returns its
#: input: no mask, no copy): per sbh, the 1-byte masks of the attention output's and the MLP
#: output's dropout (Korthikanti Table 2, 2 of the 34); per a·s²·b element kept, the attention
#: probabilities' mask (1) and dropped copy (2), 3 of Korthikanti's 5 (softmax output 2 stays);
#: per score element moved by the unfused kernels, forward P read by dropout (2), mask (1) and
#: dropped P written (2) of the 13, backward dP_drop read with the mask (2 + 1) and dP written (2)
#: of the 19 (DROPOUT).
DROPOUT_MASK_BYTES, DROPOUT_SCORE_BYTES = 2.0, 3.0
DROPOUT_SCORE_FORWARD_BYTES, DROPOUT_SCORE_BACKWARD_BYTES = 5.0, 5.0


# ============================================================== vectorised building blocks
def ring_allreduce_seconds(payload_bytes, ranks, link_bandwidth_bidirectional):
    """Time of a ring all-reduce of `payload_bytes` over `ranks` devices.

    Each device sends 2·S·(n−1)/n bytes (Calculon); links are full duplex, so the send rate is
    half the bidirectional bandwidth the catalog lists.
    """
    ranks = scalar.maximum(ranks, 1)
    return 2.0 * payload_bytes * (ranks - 1) / ranks / (link_bandwidth_bidirectional / 2.0)


def ring_latency_seconds(ranks, ranks_per_domain, base, scaleup_hop, scaleout_hop, passes):
    """The fixed (α) part of one ring collective over `ranks` devices, NCCL's cost model:
    `passes` × (n−1) hops (2 for an all-reduce, 1 for a reduce-scatter, an all-gather or one
    send around the ring), of which passes × (domains−1) cross the scale-out network and the
    rest stay on the scale-up fabric, plus one launch `base`. Zero for a group of one."""
    ranks = scalar.maximum(ranks, 1)
    domains = -scalar.floor(-ranks / scalar.maximum(ranks_per_domain, 1))  # ceil
    inter = passes * (domains - 1)
    hops = passes * (ranks - 1)
    latency = base + (hops - inter) * scaleup_hop + inter * scaleout_hop
    return scalar.where(ranks > 1, latency, 0.0)


def send_latency_seconds(group_size, scaleup_domain, base, scaleup_hop, scaleout_hop):
    """The fixed (α) part of one point-to-point send between ranks of a group of `group_size`
    consecutive ranks: one launch `base` and one hop, on the scale-up fabric while the group
    fits in one domain, else on the scale-out network (as `link_for` picks the bandwidth)."""
    return base + link_for(group_size, scaleup_domain, scaleup_hop, scaleout_hop)


def tree_latency_seconds(ranks, ranks_per_domain, base, scaleup_hop, scaleout_hop):
    """The fixed (α) part of one tree all-reduce over `ranks` devices, NCCL's cost model
    (ncclTopoTuneModel, Tree): a chain of n/N − 1 hops inside each of the N domains and a
    binary tree of ⌊log₂ N⌋ levels across them, up and down once each, plus one launch `base`.
    Zero for a group of one."""
    ranks = scalar.maximum(ranks, 1)
    domains = -scalar.floor(-ranks / scalar.maximum(ranks_per_domain, 1))  # ceil
    per_domain = scalar.floor(ranks / domains)  # NCCL's integer nRanks / nNodes
    levels = scalar.floor(scalar.log(domains) / math.log(2.0) + 1e-9)  # NCCL's log2i
    latency = base + 2.0 * ((per_domain - 1) * scaleup_hop + levels * scaleout_hop)
    return scalar.where(ranks > 1, latency, 0.0)


def tree_allreduce_seconds(payload_bytes, ranks, link_bandwidth_bidirectional, efficiency):
    """Bytes time of a tree all-reduce of `payload_bytes` over `ranks` devices, NCCL's cost
    model: the whole payload goes up the tree and back down, so the algorithm bandwidth is half
    the bus bandwidth (the send rate, half the bidirectional link) times NCCL's tree
    `efficiency`. Zero for a group of one."""
    time = payload_bytes / (0.5 * efficiency * link_bandwidth_bidirectional / 2.0)
    return scalar.where(ranks > 1, time, 0.0)


def exposed_after_overlap(communication, window, efficiency):
    """What of a collective stays on the critical path when it runs beside `window` seconds of
    computation: ideal overlap hides min(communication, window); concurrent kernels share the
    compute units and HBM, so only the share `efficiency` of that is saved."""
    hidden = efficiency * scalar.minimum(communication, window)
    return scalar.maximum(communication - hidden, 0.0)


def chunked_overlap_exposed_seconds(gemm, transfer, chunks, step_latency, sm_share):
    """What an exchange run in `chunks` pieces under the GEMM it feeds (or that produces it) adds
    to that GEMM's time `gemm`: the GEMM, split alike and slowed by the share `sm_share` of the
    compute units the exchange holds, runs its first chunk alone (the local one), then each of
    the chunks − 1 ring steps takes the longer of a GEMM chunk and one chunk's transfer
    (`transfer` / (chunks − 1) plus the step's launch latency). A GEMM longer than the exchange
    hides all of it but the SMs' price; a short one leaves the transfer exposed and its own
    time mostly hidden behind it."""
    n = scalar.maximum(chunks, 2)
    slowed = gemm / (1.0 - sm_share)
    step = transfer / (n - 1) + step_latency
    total = slowed / n + (n - 1) * scalar.maximum(slowed / n, step)
    return total - gemm


def host_link_seconds(traffic_bytes, hostlink_bandwidth, shared_by):
    """Time to move `traffic_bytes` (both directions together) over this accelerator's share."""
    return traffic_bytes / (hostlink_bandwidth / shared_by)


def bubble_fraction(pipeline, microbatches, interleave):
    """Idle share of a pipelined step: (p−1)/(v·m + p − 1) (Narayanan et al. 2021 §2.2)."""
    return (pipeline - 1) / (interleave * microbatches + pipeline - 1)


def model_state_bytes(
    parameters,
    zero_stage,
    data_parallel,
    offload_optimizer=False,
    sharded=None,
    parameter_bytes=PARAMETER_BYTES,
):
    """Model-state bytes per accelerator for mixed-precision Adam (Rajbhandari et al. 2020).

    `parameters` is Ψ on this accelerator (already divided by t·p). ZeRO-1 shards the 12 B of
    optimizer state, ZeRO-2 also the 2 B of gradients, ZeRO-3 also the 2 B of parameters, over
    the data-parallel ranks N_d: 16Ψ, 4Ψ + 12Ψ/N_d, 2Ψ + 14Ψ/N_d, 16Ψ/N_d. With the optimizer
    offloaded to the host, its 12 B leave the accelerator (ZeRO-Offload). `sharded` is the
    parameters whose sharded state one rank keeps (Ψ/N_d unless given: a mixture of experts'
    experts are sharded over fewer ranks, `performance.sharded_parameters`). `parameter_bytes`
    is the weight copy's bytes (1 for weights held in FP8; the fp32 master stays in the 12 B).
    """
    nd = scalar.maximum(data_parallel, 1)
    share = parameters / nd if sharded is None else sharded

    def kept(stage):  # parameters whose state is kept per rank: sharded from this stage on
        return scalar.where(zero_stage >= stage, share, parameters)

    optimizer = OPTIMIZER_BYTES * kept(1) * scalar.where(offload_optimizer, 0.0, 1.0)
    return parameter_bytes * kept(3) + GRADIENT_BYTES * kept(2) + optimizer


def activation_bytes_per_layer(
    sequence,
    micro_batch,
    hidden,
    heads,
    tensor,
    recompute,
    sequence_parallel,
    saved_input=None,
    ffn_ratio=PLAIN_FFN_RATIO,
    gated=False,
    kv_ratio=1.0,
    scores_kept=True,
    dropout=None,
    recomputed_share=1.0,
    lora_dropped=(0.0, 0.0),
):
    """Activation bytes one layer keeps for one micro-batch (Korthikanti et al. 2022, Table 2).

    Without recomputation sbh(34 + 5as/h) with tensor and sequence parallelism dividing both
    terms by t (Megatron); without sequence parallelism only 24 of the 34 are divided. Selective
    recomputation drops the 5as/h attention term; full recomputation keeps only the layer input
    (2sbh, divided by t with sequence parallelism); offload keeps that input and the attention
    projections' outputs (q, k, v and the output projection's, 2 + 2 + 4·kv_ratio bytes per sbh
    split by t), which the memory model sends to host memory (MaxText's offloading remat
    policy: decoder_layer_input, query_proj, key_proj, value_proj, out_proj 'offload');
    elementwise keeps that input and every weight matmul's output on the device
    (matmul_output_terms, split by t), mlp_input all of them but the MLP's input projections'.
    `saved_input` (bytes per element, None for 16-bit) is what an FP8 linear layer keeps of its input: see low_precision_linear_terms;
    `ffn_ratio` (f/h) and `gated` size the MLP's saved tensors: see mlp_activation_terms;
    `kv_ratio` (KV heads / attention heads) narrows the saved keys and values under grouped-query
    attention; `scores_kept` false (fused, flash attention) keeps no s×s score matrix, so the
    5as/h term is not kept even without recomputation (Dao et al. 2022). At `dropout` 0 no mask
    or dropped copy is kept (None: dropout on): 34 → 32 and 5as/h → 2as/h (DROPOUT_MASK_BYTES,
    DROPOUT_SCORE_BYTES). `recomputed_share` of a stage's layers follow `recompute`, the others
    keep everything (partial_recompute). `lora_dropped` is what a LoRA run's frozen linear layers
    do not keep (lora_dropped_terms), bytes per sbh (replicated, sharded).
    """
    sbh = sequence * micro_batch * hidden
    replicated, sharded = low_precision_linear_terms(saved_input, ffn_ratio, gated, kv_ratio)
    replicated = replicated - lora_dropped[0]
    sharded = sharded - lora_dropped[1]
    off = dropout_off(dropout)
    replicated = replicated - DROPOUT_MASK_BYTES * off
    linear = scalar.where(
        sequence_parallel, (replicated + sharded) / tensor, replicated + sharded / tensor
    )
    kept = 5.0 - DROPOUT_SCORE_BYTES * off
    attention = scalar.where(scores_kept, kept * heads * sequence / (hidden * tensor), 0.0)
    full = scalar.where(sequence_parallel, 2.0 / tensor, 2.0)
    # offload keeps the layer input and what the attention projections produce (q 2, k and v
    # 2·kv_ratio each, the output projection's result 2), all bound for host memory
    offload = full + (4.0 + 4.0 * kv_ratio) / tensor
    matmul_outputs = full + matmul_output_terms(ffn_ratio, gated, kv_ratio) / tensor
    mlp_inputs = mlp_activation_terms(ffn_ratio, gated)[0] / tensor
    factor = {
        "none": linear + attention,
        "selective": linear,
        "full": full,
        "offload": offload,
        "elementwise": matmul_outputs,
        # mlp_input keeps the same outputs but the MLP's input projections'
        "mlp_input": matmul_outputs - mlp_inputs,
    }[recompute]
    return sbh * partial_recompute(factor, linear + attention, recomputed_share)


def partial_recompute(policy, kept_all, share):
    """A per-layer figure of a stage whose `share` of layers follow the recomputation policy
    (`policy`, their figure) and whose other layers keep every activation (`kept_all`, the
    figure without recomputation): Megatron-LM's block method recomputes the first
    --recompute-num-layers layers of each stage and runs the rest as without recomputation."""
    return kept_all + share * (policy - kept_all)


def lora_dropped_terms(saved_input, ffn_ratio, gated, adapted_mlp_share):
    """Bytes per sbh a LoRA layer's frozen linear layers do not keep, (replicated, sharded) as
    low_precision_linear_terms splits them.

    A linear layer keeps its input only to compute its weight's gradient (dW = Xᵀ·dY); the
    gradient its input needs (dX = dY·Wᵀ) takes the weight alone, so a frozen layer keeps
    nothing (Transformer Engine's Linear saves its input only when the weight requires a
    gradient). The adapters need their own inputs: on the attention (`adapted_mlp_share` 0),
    the query-key-value input (the norm's output, which the adapter reads in 16 bits, 2 bytes
    where an FP8 projection kept q) and the output projection's input (the attention output,
    kept in 16 bits by fused attention anyway, so its q-byte copy goes). What the
    non-linearities need stays: the norms' inputs, Q, K, V and the attention output for the
    attention's backward pass, the MLP's activation input (gate and up, 4r; 2r plain). The
    MLP's two weight-product inputs (its first input, q or 2, and the activation's output,
    r·q or 2r) go, but for the share of them the adapters sit on."""
    activation, second = mlp_activation_terms(ffn_ratio, gated)
    del activation  # the non-linearity's input stays
    if saved_input is None:
        q = scalar.as_float(2.0)
        second_kept = second
    else:
        q = scalar.as_float(saved_input)
        second_kept = ffn_ratio * q
    low = q < 2.0
    frozen = 1.0 - adapted_mlp_share
    replicated = frozen * q - (2.0 - q)  # the MLP input goes; the adapter's 16-bit QKV input
    sharded = frozen * second_kept + scalar.where(low, q, 0.0)
    return replicated, sharded


ACTIVATION_OFFLOAD = (
    "NVIDIA Megatron Bridge documentation, CPU Offloading (cpu_offloading_num_layers: the "
    "activations of that many transformer layers go to host memory in the forward pass and "
    "come back for the backward pass, 0 to num_layers − 1); Transformer Engine CPU offloading "
    "(asynchronous transfers over PCIe or NVLink-C2C); MaxText's custom remat policy (the "
    "AI-Hypercomputer MaxText repository, base configuration: remat_policy 'custom' with "
    "decoder_layer_input, query_proj, key_proj, value_proj, out_proj each 'remat', 'device' or "
    "'offload'; the offloaded tensors go to host memory in the forward pass and come back for "
    "the backward pass, the 'remat' ones are recomputed), used with those five offloaded by "
    "MaxText's published Llama 3.1 8B and 70B benchmarks on TPU v6e"
)

NO_IMPLICIT_SPILL = (
    "PyTorch CUDA semantics, memory management: the caching allocator raises an out-of-memory "
    "error when an allocation does not fit, it does not page device memory to the host; JAX "
    "and XLA refuse a program whose buffers exceed device memory at compile time unless host "
    "offloading is asked for (memory kinds, remat offload policies); moving activations or "
    "optimizer state to the host is always an explicit option (Megatron "
    "cpu_offloading_num_layers, DeepSpeed ZeRO-Offload, MaxText offload remat)"
)

#: The recomputation levels that run a layer's forward pass (all or all but its attention
#: projections) a second time before its backward pass.
FORWARD_RERUN = ("full", "offload")
#: The levels that run a layer's element-wise kernels (norms, activations, residual adds) a
#: second time: those that rerun the forward pass, `elementwise`, which keeps only the matmuls'
#: outputs (MaxText's 'minimal'), and `mlp_input`, which keeps fewer of them.
ELEMENTWISE_RERUN = (*FORWARD_RERUN, "elementwise", "mlp_input")
#: The levels that run the attention core's forward pass (scores, softmax, their weighting)
#: a second time: Megatron-LM's selective recomputation, full, `elementwise` and `mlp_input`
#: (the core's batched matmuls are not among the outputs MaxText's named policies keep).
ATTENTION_RERUN = ("selective", "full", "elementwise", "mlp_input")


def dropout_off(dropout):
    """1 where the run trains without dropout (probability 0), else 0; None (not given to the
    formula) counts dropout on, as Korthikanti's 34 + 5as/h do."""
    if dropout is None:
        return 0.0
    return scalar.where(dropout > 0.0, 0.0, 1.0)


def mlp_activation_terms(ffn_ratio=PLAIN_FFN_RATIO, gated=False):
    """Bytes per sbh of the MLP's two f-wide saved tensors in 16 bits: (activation input,
    second linear layer's input), with r = f/h.

    Korthikanti's Table 2 counts a plain MLP of width 4h: the GeLU input 2·4 = 8 and the second
    linear layer's input 2·4 = 8 bytes per sbh, i.e. 2r each. A gated MLP (SwiGLU) keeps the
    gate and up projections, both f wide, as the activation's input: 2·2r; the second linear
    layer's input (the gated product) stays f wide: 2r. The first linear layer's input (the
    layer-norm output, 2) and the dropout mask (1) are h wide: unchanged.
    """
    r = ffn_ratio
    return 2.0 * scalar.where(gated, 2.0, 1.0) * r, 2.0 * r


def matmul_output_terms(ffn_ratio=PLAIN_FFN_RATIO, gated=False, kv_ratio=1.0):
    """Bytes per sbh, in 16 bits, of the outputs of a layer's weight matmuls, what recompute
    `elementwise` keeps beside the layer input (MaxText's remat_policy 'minimal': JAX's
    checkpoint_dots_with_no_batch_dims until 2024, then the named query_proj, key_proj,
    value_proj, out_proj, mlpwi_0, mlpwi_1 and mlpwo): q 2, k and v 2·kv_ratio each, the output
    projection's 2, the MLP's input projections (mlp_activation_terms: 2r, gated 2·2r) and its
    output projection's 2. The attention core (scores, softmax, their weighting) and every
    element-wise op are recomputed from them."""
    activation, _ = mlp_activation_terms(ffn_ratio, gated)
    return 2.0 + 4.0 * kv_ratio + 2.0 + activation + 2.0


def low_precision_linear_terms(
    saved_input=None, ffn_ratio=PLAIN_FFN_RATIO, gated=False, kv_ratio=1.0
):
    """Korthikanti's 34 = 10 + 24 bytes per sbh (the 10 not split by t without sequence
    parallelism) when linear layers keep `saved_input` bytes per element of their inputs.

    Of the 10: layer-norm inputs 4, dropout masks 2, QKV input 2, first MLP input 2; of the 24:
    Q and K 4, V 2, GeLU input 8, output-projection input 2, second MLP input 8 (the last two
    MLP terms 2r·… for an MLP of width f = r·h, gated or not: mlp_activation_terms). Keys and
    values are kv_ratio·h wide under grouped-query attention (KV heads / attention heads), so
    Q, K and V keep 2 + 4·kv_ratio. An FP8 linear layer (Transformer Engine) keeps its FP8 input
    copy: QKV and first-MLP inputs 2 → q each, second MLP input 2r → r·q; the projection's input
    is the attention output, which fused attention keeps in 16 bits, so its q-byte copy comes
    on top. None (16-bit) gives 10 and 24 for a plain 4h MLP and one KV head per head.
    """
    activation, second = mlp_activation_terms(ffn_ratio, gated)
    attention = 4.0 + 4.0 * kv_ratio  # Q 2, K and V 2·kv_ratio each, projection input 2
    if saved_input is None:
        return 10.0, attention + activation + second
    q = scalar.as_float(saved_input)
    low = q < 2.0  # a 16-bit run (q = 2) shares the tensors: no extra copy
    return 6.0 + 2.0 * q, attention + activation + ffn_ratio * q + scalar.where(low, q, 0.0)


def recompute_flops_factor(recompute, sequence, hidden, ffn_width=None, gated=False, share=1.0):
    """Hardware FLOPs over model FLOPs: full recomputation repeats the forward pass (4/3);
    selective recomputation (and `elementwise`, which keeps every weight matmul's output)
    repeats the attention scores' forward pass, s/(18h) of the linear
    layers' work (Korthikanti et al. 2022, §5) when their weights are 12h² (attention 4h², plain
    4h MLP 8h²). An MLP of width f has 2hf (plain) or 3hf (gated) weights, x = s/(18h) × 12h /
    (4h + 2f or 3f). The model FLOPs count the attention scores too (3x, forward and backward),
    so the share is x / (1 + 3x): a third of the attention's share, never above full's third
    (without that denominator a 65,536-token sequence on a 4,096-wide model recomputed more
    than the whole forward pass).
    Offload repeats the forward pass but for the attention projections, whose outputs it kept:
    1 + ⅓ × mlp / (4h² + mlp) of the layer's weights (the four projections counted h wide,
    grouped-query attention's narrower k and v not: a slight over-count of the kept share).
    `mlp_input` (MaxText's 'save_dot_except_mlpwi') repeats the attention scores' forward pass as
    selective does and the MLP's input projections', (2 gated, 1 plain)·hf of the layer's
    weights, a third of their share as offload counts its MLP.
    With `share` of a stage's layers recomputing, the rest none, the extra work scales by it.
    """
    weights = 1.0
    mlp = 8.0 * hidden * hidden
    mlp_input = 4.0 * hidden * hidden
    if ffn_width is not None:
        mlp = mlp_matrices(gated) * ffn_width * hidden
        mlp_input = (mlp_matrices(gated) - 1.0) * ffn_width * hidden
        weights = 12.0 * hidden / (4.0 * hidden + mlp_matrices(gated) * ffn_width)
    scores = sequence / (18.0 * hidden) * weights
    factor = {
        "none": 1.0 + 0.0 * sequence,
        "selective": 1.0 + scores / (1.0 + 3.0 * scores),
        # elementwise keeps every weight matmul's output: only the attention core runs again
        "elementwise": 1.0 + scores / (1.0 + 3.0 * scores),
        "mlp_input": 1.0
        + scores / (1.0 + 3.0 * scores)
        + mlp_input / (4.0 * hidden * hidden + mlp) / 3.0,
        "full": 4.0 / 3.0 + 0.0 * sequence,
        "offload": 1.0 + mlp / (4.0 * hidden * hidden + mlp) / 3.0 + 0.0 * sequence,
    }[recompute]
    return partial_recompute(factor, 1.0, share)


def mlp_matrices(gated):
    """Weight matrices of an MLP: 3 gated (SwiGLU/GeGLU), 2 plain (GATED_MLP)."""
    return scalar.where(gated, 3.0, 2.0)


def default_ffn_width(hidden, gated):
    """The MLP width when not given: 4h, gated 8h/3 down to a multiple of 64 (Megatron-LM)."""
    gated_width = scalar.floor(GATED_FFN_RATIO * hidden / GATED_FFN_MULTIPLE) * GATED_FFN_MULTIPLE
    return scalar.where(gated, scalar.maximum(gated_width, 1.0), PLAIN_FFN_RATIO * hidden)


def effective_interleave(interleave, layers, pipeline):
    """v, at most one chunk per layer of a stage (whether the framework interleaves at all is
    catalog data, frameworks.toml `interleaved_schedule`, applied by `workload.interleave`)."""
    most = scalar.maximum(scalar.floor(layers / pipeline), 1.0)
    return scalar.minimum(interleave, most)


def matmul_efficiency_at(width, plateau, half_width):
    """Share of the dense peak a GEMM of per-accelerator width W reaches: plateau·W/(W + w).

    Narrow GEMMs leave SMs idle in their last wave and pay fixed tile overheads, so the
    efficiency rises with the width and saturates (published GEMM sweeps, Anthony et al. 2024).
    """
    return plateau * width / (width + half_width)


def gemm_intensity(rows, columns, depth):
    """FLOP per byte of an (M × K)·(K × N) GEMM in 16 bits: 2·M·N·K FLOPs over the 2 bytes of each
    element of A, B and C read or written once, M·N·K / (M·K + K·N + M·N). Its two backward
    GEMMs (dgrad, wgrad) touch matrices of the same three sizes, so the same figure holds for
    all three."""
    return rows * columns * depth / (rows * depth + depth * columns + rows * columns)


def training_gemm_intensity(rows, columns, depth, operand_bytes, output_bytes=2.0):
    """FLOP per byte of a training step's three GEMMs of one (M × K)·(K × N) product (Fprop,
    Dgrad, Wgrad: 3 × 2·M·N·K FLOPs): each of the three matrices is an operand of two and the
    output of one, so they move (2·operand + output)·(M·K + K·N + M·N) bytes. In 16 bits
    (2, 2) that is `gemm_intensity`; FP8 operands with a BF16 output (1, 2) raise it 1.5×."""
    return gemm_intensity(rows, columns, depth) * 6.0 / (2.0 * operand_bytes + output_bytes)


def roofline_gemm_efficiency(intensity, flop_per_byte, plateau, hbm_efficiency):
    """Share of the dense peak a GEMM of `intensity` FLOP per byte reaches on a chip of
    `flop_per_byte` (peak over HBM bandwidth) when its operand traffic is not hidden behind its
    matrix maths: time = FLOPs / (peak·plateau) + bytes / (bandwidth·hbm_efficiency), so
    1 / (1/plateau + R / (hbm_efficiency·I)) (MOE_GEMM: DeepGEMM's H800 table of 28 shapes is
    followed within 12 % on average with the catalog's plateau and HBM efficiency)."""
    return 1.0 / (1.0 / plateau + flop_per_byte / (hbm_efficiency * intensity))


def precision_gain(precision, bf16_dense, peak, speedup_fp8, speedup_fp4):
    """Speed-up of the matrix maths over BF16: the published end-to-end gain, at most the
    chip's own peak ratio (a chip without FP8 units gains nothing)."""
    speedup = scalar.where(
        precision == "fp4", speedup_fp4, scalar.where(precision == "fp8", speedup_fp8, 1.0)
    )
    return scalar.minimum(speedup, peak / bf16_dense)


def mixed_precision_gain(gain, attention_share, attention_gain=1.0):
    """Speed-up of the whole matrix maths when the linear layers gain `gain` and the attention
    share of the FLOPs gains `attention_gain` (1: it stays at the BF16 rate; Amdahl):
    1 / ((1 − a)/g + a/g_a)."""
    return 1.0 / ((1.0 - attention_share) / gain + attention_share / attention_gain)


def recomputed_attention_share(attention_share, recompute, recompute_factor, share=1.0):
    """Share of the executed FLOPs (model FLOPs × recompute_factor) in the attention scores and
    their weighting: selective, elementwise and full recomputation run their forward pass, a third of their
    forward and backward work, once more (Korthikanti et al. 2022 §5); offload keeps what it
    would recompute of them (recompute_flops_factor); `share` of a stage's layers recompute.
    """
    again = scalar.where(scalar.isin(recompute, ATTENTION_RERUN), 4.0 / 3.0, 1.0)
    again = partial_recompute(again, 1.0, share)
    return attention_share * again / recompute_factor


def matrix_time_per_flop(
    gain, attention_share, attention_rate, executed_share=None, attention_gain=1.0
):
    """Time per FLOP of a step's matrix maths, in units of a BF16 linear-layer FLOP's: the
    linear layers at the precision gain, the attention scores and their weighting at the
    attention rate r of the rate of their own precision (ATTENTION_RATE), g_a =
    `attention_gain` times the BF16 rate (1 in BF16; FP8_ATTENTION). `gain` is the blended
    G = 1 / ((1 − a)/g + a/g_a) of `mixed_precision_gain` (a the attention share of the model
    FLOPs), so a linear-layer FLOP takes (1/G − a/g_a)/(1 − a). Per model FLOP that is
    (1/G − a/g_a) + a/(r·g_a); per executed FLOP, whose attention share `executed_share`
    recomputation raises (`recomputed_attention_share`), the executed shares weigh the two.
    One formula for both paths: the default MFU's attention factor and the bottom-up matrix
    rate."""
    share = attention_share if executed_share is None else executed_share
    linear = (1.0 / gain - attention_share / attention_gain) / (1.0 - attention_share)
    return (1.0 - share) * linear + share / (attention_rate * attention_gain)


def straggler_factor(accelerators, variability):
    """A synchronous step waits for the slowest of n: 1 + σ·√(2 ln n)."""
    return 1.0 + variability * scalar.sqrt(2.0 * scalar.log(scalar.maximum(accelerators, 1.0)))


def link_for(group_size, scaleup_domain, scaleup_bandwidth, scaleout_bandwidth):
    """A collective stays on the scale-up fabric only while its group fits in one domain."""
    return scalar.where(group_size <= scaleup_domain, scaleup_bandwidth, scaleout_bandwidth)


def activation_traffic_bytes(
    sequence,
    micro_batch,
    hidden,
    layers,
    tensor,
    pipeline,
    m,
    recompute,
    sequence_parallel,
    score_heads=0.0,
    ffn_ratio=PLAIN_FFN_RATIO,
    gated=False,
    dropout=None,
    share=1.0,
):
    """HBM bytes the memory-bound (element-wise) kernels move per step and accelerator.

    Each of a layer's 34·sbh activation bytes (Korthikanti) is written in the forward pass and
    read in the backward pass; full recomputation runs the forward once more, and so does
    `elementwise`, which keeps the matmuls' outputs and recomputes the rest. With flash
    attention the s×s score matrix never reaches HBM (score_heads = 0); without it each of its
    a·s²·b/t elements costs what the unfused kernels move (SCORE_FORWARD_BYTES forward,
    SCORE_BACKWARD_BYTES backward), not only the 5 bytes Korthikanti's count keeps for the
    backward pass; recomputation (selective, elementwise or full) runs that forward once more. An MLP of
    width f = ffn_ratio·h, gated or not, sizes its share of the 34 (mlp_activation_terms). At
    `dropout` 0 neither the masks nor the dropped scores are moved (DROPOUT_*_BYTES). `share` of
    a stage's layers recompute (partial_recompute).
    """
    per_layer = activation_bytes_per_layer(
        sequence,
        micro_batch,
        hidden,
        0.0,
        tensor,
        "selective",
        sequence_parallel,
        None,
        ffn_ratio,
        gated,
        dropout=dropout,
    )
    passes = partial_recompute(
        scalar.where(scalar.isin(recompute, ELEMENTWISE_RERUN), 3.0, 2.0), 2.0, share
    )
    elements = score_heads * sequence * sequence * micro_batch / tensor
    forwards = partial_recompute(scalar.where(recompute == "none", 1.0, 2.0), 1.0, share)
    off = dropout_off(dropout)
    forward = SCORE_FORWARD_BYTES - DROPOUT_SCORE_FORWARD_BYTES * off
    backward = SCORE_BACKWARD_BYTES - DROPOUT_SCORE_BACKWARD_BYTES * off
    scores = elements * (forward * forwards + backward)
    return (per_layer * passes + scores) * m * layers / pipeline


def context_parallel_exchange_seconds(
    sequence, micro_batch, kv_width, kv_heads, tensor, context, kv_bytes, kv_passes, link
):
    """Seconds one rank spends sending K/V blocks around the context-parallel ring, per layer
    and micro-batch: kv_passes × (c−1) blocks of K and V for its s/c tokens (its tensor-parallel
    share of the KV heads), each at half the bidirectional link (Megatron-Core CP)."""
    c = scalar.maximum(context, 1)
    heads_per_rank_divisor = scalar.maximum(scalar.minimum(tensor, kv_heads), 1)
    block = 2.0 * kv_bytes * micro_batch * (sequence / c) * kv_width / heads_per_rank_divisor
    return kv_passes * (c - 1) * block / (link / 2.0)
