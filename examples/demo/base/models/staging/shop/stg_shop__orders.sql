with source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        id as order_id,
        user_id as customer_id,
        case status
            when 'return_requested' then 'return_pending'
            else status
        end as order_status,
        order_date as ordered_at,
        updated_at
    from source
    where order_date >= '{{ var("storefront_launch_date") }}'

)

select * from renamed
